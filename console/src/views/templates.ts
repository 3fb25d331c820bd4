/** Templates: the list; the editor with a live preview per platform; save and delete. */

import { api, enc, type Template } from '../api.js';
import { h, time } from '../dom.js';
import { t as tr } from '../i18n/index.js';
import type { ViewCtx } from '../main.js';
import { type Protocol, platformName, platforms } from '../platforms.js';
import { busy, button, confirmDialog, empty, field, flash, heading, input, section } from '../ui.js';
import { previewPanel } from './preview.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const protocolLabel = (p: string) => (p === 'default' ? tr('tpl.0') : platformName(p));

export async function templatesView(): Promise<HTMLElement> {
  const { templates } = await api.get<{ templates: Template[] }>('/templates');
  const rows = templates.map((t) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: `#/templates/${enc(t.name)}/${enc(t.protocol)}` }, t.name)),
      h('td', { 'data-label': tr('tpl.1') }, protocolLabel(t.protocol)),
      h('td', { 'data-label': tr('tpl.2') }, time(t.updatedAt)),
    ),
  );
  const list = templates.length
    ? h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'stack' },
          h('caption', { class: 'sr-only' }, tr('tpl.3')),
          h('thead', {}, h('tr', {}, ...[tr('tpl.4'), tr('tpl.1'), tr('tpl.2')].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, ...rows),
        ),
      )
    : empty(tr('tpl.5'));
  return h(
    'div',
    {},
    heading(tr('tpl.3')),
    h('p', { class: 'lead' }, tr('tpl.6')),
    h('div', { class: 'head-actions' }, h('a', { class: 'btn primary', href: '#/templates/new' }, tr('tpl.7'))),
    section(tr('tpl.8'), [], list),
  );
}

export async function templateEditView(ctx: ViewCtx): Promise<HTMLElement> {
  const [name0, protocol0] = ctx.params;
  const existing = name0 && protocol0 ? await api.get<Template>(`/templates/${enc(name0)}/${enc(protocol0)}`) : undefined;
  const name = field(input({ name: 'name', value: existing?.name ?? '', maxlength: 64, readonly: !!existing, required: true }), {
    label: tr('tpl.4'),
    help: existing ? tr('tpl.9') : '1-64 letters, digits, "-" or "_".',
  });
  const protocol = field(
    h('select', { name: 'protocol', disabled: !!existing }, ...['default', ...platforms().map((p) => p.protocol)].map((p) => h('option', { value: p, selected: p === existing?.protocol }, protocolLabel(p)))),
    { label: tr('tpl.1') },
  );
  const content = field(h('textarea', { name: 'content', rows: 10, class: 'code', spellcheck: 'false', value: existing?.content ?? '' }), {
    label: tr('tpl.10'),
    help: tr('tpl.11'),
  });
  const protocols = (): Protocol[] => (protocol.control.value === 'default' ? platforms().map((p) => p.protocol) : [protocol.control.value as Protocol]);
  const preview = previewPanel(() => content.control.value, protocols);
  content.control.addEventListener('input', preview.refresh);
  protocol.control.addEventListener('change', preview.refresh);
  const useExample = button(tr('tpl.12'), () => {
    content.control.value = preview.example();
    void preview.now();
    content.control.focus();
  }, 'ghost', { class: 'btn ghost small' });

  const save = h('button', { type: 'submit', class: 'btn primary' }, existing ? tr('tpl.13') : tr('tpl.14'));
  const form = h(
    'form',
    {
      class: 'grid-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        if (!existing && !NAME.test(name.control.value)) {
          name.setError(tr('tpl.15'));
          return name.control.focus();
        }
        name.setError(undefined);
        if (!content.control.value.trim()) {
          content.setError(tr('tpl.16'));
          return content.control.focus();
        }
        content.setError(undefined);
        const t = await busy(save, () =>
          existing
            ? api.put<Template>(`/templates/${enc(existing.name)}/${enc(existing.protocol)}`, { content: content.control.value })
            : api.post<Template>('/templates', { name: name.control.value, protocol: protocol.control.value, content: content.control.value }),
        );
        if (!t) return;
        flash(`Template "${t.name}" (${protocolLabel(t.protocol)}) saved.`);
        if (!existing) location.hash = `#/templates/${enc(t.name)}/${enc(t.protocol)}`;
      },
    },
    h('div', { class: 'row' }, name.wrap, protocol.wrap),
    content.wrap,
    h('div', { class: 'actions' }, save, useExample),
  );
  const actions: Node[] = [];
  if (existing) {
    const del: HTMLButtonElement = button(tr('tpl.17'), async () => {
      if (!(await confirmDialog(`Delete template "${existing.name}"?`, `Publishes naming it will use another variant (${existing.protocol === 'default' ? 'none: they will fail' : 'the default one'}).`, tr('tpl.18')))) return;
      await busy(del, async () => {
        await api.del(`/templates/${enc(existing.name)}/${enc(existing.protocol)}`);
        flash(`Template "${existing.name}" deleted.`);
        location.hash = '#/templates';
      });
    }, 'danger', { class: 'btn danger small' });
    actions.push(del);
  }
  void preview.now();
  return h(
    'div',
    {},
    h('p', { class: 'crumbs' }, h('a', { href: '#/templates' }, tr('tpl.3')), ' / ', existing ? `${existing.name} (${protocolLabel(existing.protocol)})` : 'new'),
    heading(existing ? `Template ${existing.name}` : tr('tpl.7')),
    h('div', { class: 'split' }, section(tr('tpl.19'), actions, form), section(tr('tpl.20'), [], preview.element)),
  );
}
