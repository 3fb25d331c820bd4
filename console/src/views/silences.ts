/** Silences made through Herald (links and chat commands), with their state in Alertmanager, and a way to lift one. */
import { api, enc } from '../api.js';
import { h, time } from '../dom.js';
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

const VIA: Record<Silence['via'], string> = { link: 'Silence link', chat: 'Chat command', api: 'API' };
const matcherText = (m: Silence['matchers'][number]) => `${m.name}${m.isEqual === false ? '!' : ''}${m.isRegex ? '=~' : '='}"${m.value}"`;

export async function silencesView(): Promise<HTMLElement> {
  const wrap = h('div', { class: 'table-wrap' });
  async function load() {
    const { configured, silences } = await api.get<{ configured: boolean; silences: Silence[] }>('/silences');
    if (!configured) {
      wrap.replaceChildren(empty('No Alertmanager is configured: set HERALD_ALERTMANAGER_URL (and HERALD_PUBLIC_URL for Silence links in alerts).'));
      return;
    }
    if (silences.length === 0) {
      wrap.replaceChildren(empty('No silence has been made through Herald yet.'));
      return;
    }
    const rows = silences.map((s) => {
      const lift: HTMLButtonElement = button(
        'Lift',
        () =>
          void busy(lift, async () => {
            if (!(await confirmDialog(`Lift the silence of ${s.alertname}?`, 'Alertmanager expires it now; its alerts notify again.', 'Lift'))) return;
            try {
              await api.del(`/silences/${enc(s.id)}`);
              flash(`The silence of ${s.alertname} was lifted.`);
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
        h('th', { scope: 'row', 'data-label': 'Alert' }, h('code', {}, s.alertname)),
        h('td', { 'data-label': 'State' }, badge(s.state === 'active' ? 'delivered' : s.state === 'expired' ? 'failed' : 'pending', s.state)),
        h('td', { 'data-label': 'Matchers' }, h('code', {}, s.matchers.map(matcherText).join(', '))),
        h('td', { 'data-label': 'Until' }, time(s.endsAt)),
        h('td', { 'data-label': 'By' }, s.createdBy, h('span', { class: 'muted' }, ` · ${VIA[s.via]}`)),
        h('td', { 'data-label': 'Topics' }, s.topics.join(', ')),
        h('td', { 'data-label': '' }, h('a', { href: s.url, target: '_blank', rel: 'noopener noreferrer' }, 'Alertmanager'), ' ', lift),
      );
    });
    wrap.replaceChildren(
      h(
        'table',
        { class: 'stack' },
        h('caption', { class: 'sr-only' }, 'Silences'),
        h('thead', {}, h('tr', {}, ...['Alert', 'State', 'Matchers', 'Until', 'By', 'Topics', ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...rows),
      ),
    );
  }
  await load();
  return h(
    'div',
    {},
    heading('Silences'),
    h('p', { class: 'lead' }, 'Silences made from the chat: a Silence link in an alert, or /silence in a group. They live in Alertmanager.'),
    section('Made through Herald', [], wrap),
  );
}
