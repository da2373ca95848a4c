import { publicModelId } from '../../chat';
import type { HandlerConfig } from '../../config';
import type { ModelListShape } from '../../model-list';

/** `GET /v1/models`: the allowed models (an application inference profile by its public form, never its ARN). */
export function modelList(config: HandlerConfig) {
  return {
    object: 'list',
    data: config.allowedModelIds.map((id) => ({
      id: publicModelId(id),
      object: 'model',
      created: 0,
      owned_by: 'amazon-bedrock',
    })),
  };
}

/** OpenAI's shape of the shared model list: the one for requests no other protocol's shape claims. */
export const openAiModelList: ModelListShape = { body: modelList };
