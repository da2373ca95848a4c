/** What the AI SDK's chat request may hold: its fields, message fields, triggers, ids and attachment types. */
import type { DocumentFormat, ImageFormat } from '../../chat';

export const ALLOWED_FIELDS = [
  'id',
  'messages',
  'trigger',
  'messageId',
  'modelId',
  'tools',
  'toolChoice',
  'outputSchema',
];
export const MESSAGE_FIELDS = ['id', 'role', 'metadata', 'parts'];
export const TRIGGERS = ['submit-message', 'regenerate-message'];
/** Ids the client makes (chat and message ids); an answer echoes a message id, so it is held to this. */
export const CLIENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Parts that only show something in the UI: the model never sees them. */
export const DISPLAY_ONLY = (type: string) =>
  type === 'step-start' || type === 'source-url' || type === 'source-document' || type.startsWith('data-');

export const IMAGE_TYPES: Readonly<Record<string, ImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};
export const DOCUMENT_TYPES: Readonly<Record<string, DocumentFormat>> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/html': 'html',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};
