/** Building blocks shared by every area: the error shape, common answers, path parameters. */
import type { MediaType, Parameter, Ref, Response, Schema } from './types.js';

export const ref = (name: string): Ref => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Schema | Ref, example?: unknown): Record<string, MediaType> => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});
export const ok = (description: string, schema: Schema | Ref): Response => ({ description, content: json(schema) });
export const noContent: Response = { description: 'Done; no body.' };
export const param = (name: string): Ref => ({ $ref: `#/components/parameters/${name}` });
export const answer = (name: string): Ref => ({ $ref: `#/components/responses/${name}` });

/** The answers every bearer-authenticated admin operation may give besides its own. */
export const adminErrors = { '400': answer('BadRequest'), '401': answer('Unauthorized'), '403': answer('Forbidden') };

export const ISO_TIME: Schema = { type: 'string', format: 'date-time' };
export const ID: Schema = { type: 'string', pattern: '^[a-z0-9]{1,64}$' };
export const TOPIC_NAME: Schema = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$' };

const errorBody: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable snake_case code, e.g. topic_not_found.' },
        message: { type: 'string', description: 'A sentence saying what to do.' },
      },
    },
  },
};

const error = (description: string, code: string, message: string): Response => ({
  description,
  content: json(ref('Error'), { error: { code, message } }),
});

export const commonSchemas: Record<string, Schema> = { Error: errorBody };

export const commonResponses: Record<string, Response> = {
  BadRequest: error('The request is invalid; nothing changed.', 'invalid_request', 'name: Required'),
  Unauthorized: error('No token, or not a valid one.', 'unauthorized', 'Send a valid token as "Authorization: Bearer <token>".'),
  Forbidden: error('The token lacks the scope, or a quota is reached.', 'forbidden', 'This needs a token with the "admin" scope.'),
  TopicNotFound: error('No such topic.', 'topic_not_found', 'No topic has this name; create it with POST /v1/topics.'),
  NotFound: error('Nothing with this id.', 'not_found', 'Nothing is at this path.'),
  Conflict: error('It exists already.', 'topic_exists', 'A topic with this name exists already.'),
  Unavailable: error('Herald cannot store it right now, or is shutting down; retry.', 'unavailable', 'Herald cannot reach its store right now; retry shortly.'),
};

const pathParam = (name: string, description: string, schema: Schema): Parameter => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
});

export const commonParameters: Record<string, Parameter> = {
  TopicName: pathParam('name', 'The topic name.', TOPIC_NAME),
  SubscriptionId: pathParam('id', 'The subscription id.', ID),
  Limit: { name: 'limit', in: 'query', description: 'How many to list.', schema: { type: 'integer', minimum: 1 } },
  Cursor: {
    name: 'cursor',
    in: 'query',
    description: 'Where to go on: the `next` of the previous page, unchanged (opaque).',
    schema: { type: 'string', maxLength: 512 },
  },
};
