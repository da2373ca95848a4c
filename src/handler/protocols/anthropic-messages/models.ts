import { publicModelId } from '../../chat';
import type { HandlerConfig } from '../../config';
import type { ModelListShape } from '../../model-list';
import { header } from '../../request/http';

/** When the API's models were listed: the list has no real creation dates (Bedrock's ids carry their own). */
const CREATED_AT = '1970-01-01T00:00:00Z';

/** `GET /v1/models` in Anthropic's list shape: the allowed models by their public id (never an ARN), one page. */
export function modelList(config: HandlerConfig) {
  const data = config.allowedModelIds.map((id) => ({
    type: 'model',
    id: publicModelId(id),
    display_name: publicModelId(id),
    created_at: CREATED_AT,
  }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
}

/** Anthropic's shape of the shared model list, for the requests that send `anthropic-version` (Anthropic's clients). */
export const anthropicModelList: ModelListShape = {
  claims: (event) => header(event, 'anthropic-version') !== undefined,
  body: modelList,
};
