/**
 * `POST /v1/templates/preview`: renders a template with the context a real delivery gets and shows
 * what a platform would be sent. The context comes from a sample payload (`sample`), the caller's own
 * pasted payload (`payload`, read by the same intakes as a publish) or plain values (`context`).
 */
import { Router } from 'express';
import { z } from 'zod';
import { LEVELS, type Level, type OutboundMessage } from '../../../adapters/types.js';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import { type Draft, templateContext } from '../../publish/draft.js';
import { readDraft } from '../../publish/read-draft.js';
import { render, TemplateBudgetError } from '../../templates/engine.js';
import { SAMPLE_NAMES, SAMPLE_PAYLOADS, type SampleName } from '../../templates/samples.js';
import { TemplateProblem, validateTemplate } from '../../templates/validate.js';
import { requireAdmin } from '../auth.js';
import { parse } from '../validate.js';

const previewBody = z
  .strictObject({
    content: z.string().min(1).max(65_536),
    protocol: z.string(),
    topic: z.string().min(1).max(255).optional(),
    sample: z.enum(SAMPLE_NAMES as [SampleName, ...SampleName[]]).optional(),
    payload: z.unknown().optional(),
    context: z.record(z.string(), z.unknown()).optional(),
    subject: z.string().max(512).optional(),
    level: z.enum(LEVELS as [Level, ...Level[]]).optional(),
    format: z.enum(['markdown', 'text']).optional(),
    keyword: z.string().min(1).max(64).optional(),
  })
  .refine((b) => !(b.sample && b.payload !== undefined), { message: 'give "sample" or "payload", not both' });

/** The sentence a template mistake is refused with, at save time and in the preview. */
export const templateProblemText = (p: TemplateProblem) => `The template has a mistake at line ${p.line}, column ${p.column}: ${p.reason}.`;

/** Checks content or throws 400 invalid_template naming line, column and reason. */
export function checkTemplate(content: string): void {
  try {
    validateTemplate(content);
  } catch (err) {
    if (err instanceof TemplateProblem) throw Errors.invalidTemplate(templateProblemText(err));
    throw Errors.invalidTemplate(`The template does not compile: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** The values a template sees for a draft, as the publisher renders it. */
function contextOf(draft: Draft): Record<string, unknown> {
  if (draft.template) return draft.template.context;
  return { ...draft.attributes, subject: draft.subject, message: draft.text ?? draft.bodies?.default };
}

export function templatePreviewRoutes(h: Herald): Router {
  const r = Router();

  r.post('/templates/preview', requireAdmin, (req, res) => {
    const body = parse(previewBody, req.body);
    const adapter = h.adapters.get(body.protocol);
    if (!adapter) throw Errors.unsupportedProtocol(`Preview protocol must be one of ${[...h.adapters.keys()].join(', ')}.`);
    checkTemplate(body.content);
    const topic = body.topic ?? (typeof body.context?.topic === 'string' ? body.context.topic : 'preview');

    const raw = body.sample ? SAMPLE_PAYLOADS[body.sample] : body.payload;
    let draft: Draft | undefined;
    if (raw !== undefined) {
      draft = readDraft(h, topic, { body: raw, contentType: typeof raw === 'string' ? 'text/plain' : 'application/json' });
    }
    const context = templateContext(topic, { ...(draft ? contextOf(draft) : {}), ...body.context });
    let rendered: string;
    try {
      rendered = render(body.content, context, h.config.templates);
    } catch (err) {
      if (err instanceof TemplateBudgetError) throw Errors.templateBudgetExceeded(`The template was stopped: ${err.message}.`);
      throw Errors.invalidTemplate(`The template does not render: ${(err as Error).message.split('\n')[0]}`);
    }
    const msg: OutboundMessage = {
      messageId: 'm-preview',
      deliveryId: 'm-preview.00000',
      topic,
      subject: body.subject ?? draft?.subject,
      text: rendered,
      format: body.format ?? draft?.format ?? 'markdown',
      level: body.level ?? draft?.level ?? 'info',
      mentions: draft?.mentions ?? {},
      attributes: draft?.attributes ?? {},
      createdAt: new Date().toISOString(),
      ...(draft?.actions?.length ? { actions: draft.actions } : {}),
    };
    let payloads: unknown[];
    try {
      payloads = adapter.render(msg, { subscriptionId: 'preview', endpoint: '', keyword: body.keyword });
    } catch (err) {
      throw Errors.invalidTemplate(`${adapter.displayName} could not render it: ${(err as Error).message}`);
    }
    res.json({ rendered, payloads, context, subject: msg.subject, level: msg.level, source: draft?.source });
  });

  return r;
}
