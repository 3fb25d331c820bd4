/** Silences made through Herald (links and chat commands), with their state in Alertmanager, and a way to lift one. */
import { api, enc } from '../api.js';
import { h, time } from '../dom.js';
import { t as tr } from '../i18n/index.js';
import { badge, busy, button, confirmDialog, empty, errorText, flash, heading, section } from '../ui.js';

interface Silence {
  id: string;
  topics: string[];
  alertname: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  via: 'link' | 'chat' | 'api';
  url: string;
  state: 'active' | 'pending' | 'expired' | 'unknown';
  expiredBy?: string;
}

const VIA = (): Record<Silence['via'], string> => ({ link: tr('sil.0'), chat: tr('sil.1'), api: 'API' });
const matcherText = (m: Silence['matchers'][number]) => `${m.name}${m.isEqual === false ? '!' : ''}${m.isRegex ? '=~' : '='}"${m.value}"`;

export async function silencesView(): Promise<HTMLElement> {
  const wrap = h('div', { class: 'table-wrap' });
  async function load() {
    const { configured, silences } = await api.get<{ configured: boolean; silences: Silence[] }>('/silences');
    if (!configured) {
      wrap.replaceChildren(empty(tr('sil.2')));
      return;
    }
    if (silences.length === 0) {
      wrap.replaceChildren(empty(tr('sil.3')));
      return;
    }
    const rows = silences.map((s) => {
      const lift: HTMLButtonElement = button(
        tr('sil.4'),
        () =>
          void busy(lift, async () => {
            if (!(await confirmDialog(tr('sil.liftQ', { alert: s.alertname }), tr('sil.5'), tr('sil.4')))) return;
            try {
              await api.del(`/silences/${enc(s.id)}`);
              flash(tr('sil.lifted', { alert: s.alertname }));
              await load();
            } catch (err) {
              flash(errorText(err), 'error');
            }
          }),
        'danger',
        { class: 'btn danger small' },
      );
      lift.hidden = s.state !== 'active' && s.state !== 'pending';
      return h(
        'tr',
        {},
        h('th', { scope: 'row', 'data-label': tr('sil.6') }, h('code', {}, s.alertname)),
        h('td', { 'data-label': tr('sil.7') }, badge(s.state === 'active' ? 'delivered' : s.state === 'expired' ? 'failed' : 'pending', s.state)),
        h('td', { 'data-label': tr('sil.8') }, h('code', {}, s.matchers.map(matcherText).join(', '))),
        h('td', { 'data-label': tr('sil.9') }, time(s.endsAt)),
        h('td', { 'data-label': tr('sil.14') }, s.createdBy, h('span', { class: 'muted' }, ` · ${VIA()[s.via]}`)),
        h('td', { 'data-label': tr('sil.10') }, s.topics.join(', ')),
        h('td', { 'data-label': '' }, h('a', { href: s.url, target: '_blank', rel: 'noopener noreferrer' }, 'Alertmanager'), ' ', lift),
      );
    });
    wrap.replaceChildren(
      h(
        'table',
        { class: 'stack' },
        h('caption', { class: 'sr-only' }, tr('sil.11')),
        h('thead', {}, h('tr', {}, ...[tr('sil.6'), tr('sil.7'), tr('sil.8'), tr('sil.9'), tr('sil.14'), tr('sil.10'), ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...rows),
      ),
    );
  }
  await load();
  return h(
    'div',
    {},
    heading(tr('sil.11')),
    h('p', { class: 'lead' }, tr('sil.12')),
    section(tr('sil.13'), [], wrap),
  );
}
