/** /v1/templates: Handlebars content per (name, protocol); `default` serves every protocol without its own. */
import { adminErrors, answer, ISO_TIME, json, noContent, ok, ref } from './common.js';
import { templateProtocolSchema } from './protocols.js';
import type { Parameter, Paths } from './types.js';

const tags = ['Templates'];
const NAME = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' };
const PROTOCOL = templateProtocolSchema();
const CONTENT = {
  type: 'string',
  minLength: 1,
  maxLength: 65_536,
  description: 'Handlebars. Checked when saved: a syntax error, an unknown helper or a helper in the wrong kind of tag is a 400 invalid_template naming line and column.',
};
const params: Parameter[] = [
  { name: 'name', in: 'path', required: true, schema: NAME },
  { name: 'protocol', in: 'path', required: true, schema: PROTOCOL },
];
const notFound = { '404': answer('NotFound') };

export const templatePaths: Paths = {
  '/v1/templates': {
    post: {
      tags,
      operationId: 'createTemplate',
      summary: 'Create a template',
      requestBody: {
        required: true,
        content: json(
          { type: 'object', required: ['name', 'protocol', 'content'], additionalProperties: false, properties: { name: NAME, protocol: PROTOCOL, content: CONTENT } },
          { name: 'deploy', protocol: 'default', content: '**{{service}}** {{version}} deployed' },
        ),
      },
      responses: { '201': ok('Created.', ref('Template')), ...adminErrors, '409': answer('Conflict') },
    },
    get: {
      tags,
      operationId: 'listTemplates',
      summary: 'List templates',
      responses: { '200': ok('By name and protocol.', { type: 'object', properties: { templates: { type: 'array', items: ref('Template') } } }), ...adminErrors },
    },
  },
  '/v1/templates/preview': {
    post: {
      tags,
      operationId: 'previewTemplate',
      summary: 'Render a template and show what a platform would be sent',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['content', 'protocol'],
          additionalProperties: false,
          properties: {
            content: CONTENT,
            protocol: PROTOCOL,
            topic: { type: 'string', description: 'The topic the template sees as {{topic}} (default "preview").' },
            sample: { enum: ['tags', 'alertmanager', 'grafana'], description: 'Preview with a sample publish body: a JSON publish with tags, an Alertmanager or a Grafana notification.' },
            payload: { description: 'Your own publish body (an Alertmanager or Grafana notification, a JSON publish body, or text), read by the same intakes as a publish.' },
            context: { type: 'object', description: 'Values for the template, over those from sample or payload.' },
            subject: { type: 'string', maxLength: 512 },
            level: { type: 'string' },
            format: { enum: ['markdown', 'text'] },
            keyword: { type: 'string', minLength: 1, maxLength: 64 },
          },
        }),
      },
      responses: {
        '200': ok('The rendered text and the platform payloads (split into parts when too long).', {
          type: 'object',
          properties: {
            rendered: { type: 'string' },
            payloads: { type: 'array', items: {} },
            context: { type: 'object', description: 'What the template saw.' },
            subject: { type: 'string' },
            level: { type: 'string' },
            source: { type: 'string', description: 'The intake that read sample or payload.' },
          },
        }),
        ...adminErrors,
        '422': {
          description: 'template_budget_exceeded: the render passed templates.maxOutputBytes or templates.renderTimeoutMs and was stopped.',
          content: json(ref('Error')),
        },
      },
    },
  },
  '/v1/templates/{name}/{protocol}': {
    get: {
      tags,
      operationId: 'getTemplate',
      summary: 'Read a template',
      parameters: params,
      responses: { '200': ok('The template.', ref('Template')), ...adminErrors, ...notFound },
    },
    put: {
      tags,
      operationId: 'updateTemplate',
      summary: "Replace a template's content",
      parameters: params,
      requestBody: { required: true, content: json({ type: 'object', required: ['content'], additionalProperties: false, properties: { content: CONTENT } }) },
      responses: { '200': ok('The changed template.', ref('Template')), ...adminErrors, ...notFound },
    },
    delete: {
      tags,
      operationId: 'deleteTemplate',
      summary: 'Delete a template',
      parameters: params,
      responses: { '204': noContent, ...adminErrors, ...notFound },
    },
  },
};

export const templateSchemas = {
  Template: {
    type: 'object',
    required: ['name', 'protocol', 'content', 'createdAt', 'updatedAt'],
    properties: { name: NAME, protocol: PROTOCOL, content: { type: 'string' }, createdAt: ISO_TIME, updatedAt: ISO_TIME },
  },
};
