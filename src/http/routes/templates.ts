/** /v1/templates: Handlebars content per (name, protocol); `default` serves every protocol without its own. */
import { Router } from 'express';
import { z } from 'zod';
import type { Herald } from '../../context.js';
import { Errors } from '../../errors.js';
import type { Template } from '../../store/templates.js';
import { requireAdmin } from '../auth.js';
import { parse } from '../validate.js';
import { checkTemplate } from './template-preview.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const createBody = z.strictObject({
  name: z.string().regex(NAME, 'template names are 1-64 letters, digits, "-" or "_"'),
  protocol: z.string(),
  content: z.string().min(1).max(65_536),
});
const putBody = z.strictObject({ content: z.string().min(1).max(65_536) });

export function templateRoutes(h: Herald): Router {
  const r = Router();
  const protocols = () => ['default', ...h.adapters.keys()];

  const checkProtocol = (p: string) => {
    if (!protocols().includes(p)) throw Errors.unsupportedProtocol(`Template protocol must be one of ${protocols().join(', ')}.`);
  };
  const checkContent = checkTemplate;
  const tplOr404 = async (name: string, protocol: string) => {
    const t = NAME.test(name) ? await h.templates.get(name, protocol) : undefined;
    if (!t) throw Errors.templateNotFound();
    return t;
  };

  r.post('/templates', requireAdmin, async (req, res) => {
    const body = parse(createBody, req.body);
    checkProtocol(body.protocol);
    checkContent(body.content);
    const now = new Date().toISOString();
    const t: Template = { ...body, createdAt: now, updatedAt: now };
    // name and quota checked with the write, atomically (src/store/store.ts batchIf); the audit entry is written with it
    const result = await h.templates.create(t, h.config.quotas.templates, { actor: req.principal!.name, action: 'template.create', target: `${t.name}/${t.protocol}` });
    if (result === 'exists') throw Errors.templateExists();
    if (result === 'full') {
      throw Errors.quotaExceeded(`The quota of ${h.config.quotas.templates} templates is reached (quotas.templates).`);
    }
    res.status(201).json(t);
  });

  r.get('/templates', requireAdmin, async (_req, res) => {
    const list = (await h.templates.list()).sort((a, b) => `${a.name}/${a.protocol}`.localeCompare(`${b.name}/${b.protocol}`));
    res.json({ templates: list });
  });

  r.get('/templates/:name/:protocol', requireAdmin, async (req, res) => {
    res.json(await tplOr404(req.params.name as string, req.params.protocol as string));
  });

  r.put('/templates/:name/:protocol', requireAdmin, async (req, res) => {
    const t = await tplOr404(req.params.name as string, req.params.protocol as string);
    const body = parse(putBody, req.body);
    checkContent(body.content);
    const updated = { ...t, content: body.content, updatedAt: new Date().toISOString() };
    await h.templates.save(updated, { actor: req.principal!.name, action: 'template.update', target: `${t.name}/${t.protocol}` });
    res.json(updated);
  });

  r.delete('/templates/:name/:protocol', requireAdmin, async (req, res) => {
    const t = await tplOr404(req.params.name as string, req.params.protocol as string);
    await h.templates.remove(t.name, t.protocol, { actor: req.principal!.name, action: 'template.delete', target: `${t.name}/${t.protocol}` });
    res.status(204).end();
  });

  return r;
}
