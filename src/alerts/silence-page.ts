/**
 * The pages behind a silence link: the form (the alert, its labels as tickable matchers, a
 * duration, who and why) and the answers after a POST. Plain HTML, no script, every value escaped.
 */
import type { LinkClaims } from './silence-link.js';

export const DURATIONS = ['1h', '4h', '24h', '7d'] as const;

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font:15px/1.5 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.3rem}fieldset{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
label{display:block;margin:.25rem 0}code{background:#f6f8fa;padding:0 .3rem;border-radius:4px}
input[type=text]{width:100%;box-sizing:border-box;padding:.35rem;font:inherit}button{font:inherit;padding:.4rem 1.2rem;margin-top:.5rem}
.muted{color:#656d76}.ok{color:#1a7f37}.bad{color:#cf222e}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)} · Herald</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function silenceForm(c: LinkClaims, error?: string): string {
  const labels = Object.entries(c.labels)
    .map(
      ([k, v]) =>
        `<label><input type="checkbox" name="label" value="${esc(k)}" checked> <code>${esc(k)}="${esc(v)}"</code></label>`,
    )
    .join('');
  const durations = DURATIONS.map(
    (d, i) => `<label><input type="radio" name="duration" value="${d}"${i === 0 ? ' checked' : ''}> ${d}</label>`,
  ).join('');
  return page(
    `Silence ${c.alertname}`,
    `<h1>🔕 Silence <code>${esc(c.alertname)}</code> · 静默告警</h1>
<p class="muted">Topic <code>${esc(c.topic)}</code>. Alertmanager will mute every alert matching the ticked labels for the chosen time.
Link valid until ${esc(new Date(c.expiresAt).toISOString())}.</p>
${error ? `<p class="bad">${esc(error)}</p>` : ''}
<form method="post">
<input type="hidden" name="labels" value="chosen">
<fieldset><legend>Matchers · 匹配标签</legend>${labels}</fieldset>
<fieldset><legend>Duration · 时长</legend>${durations}
<label><input type="radio" name="duration" value="custom"> custom · 自定义: <input type="text" name="custom" placeholder="30m, 2h, 3d" maxlength="16" style="width:8rem"></label></fieldset>
<label>Who · 操作人 <input type="text" name="by" required maxlength="100" autocomplete="name"></label>
<label>Why · 原因 <input type="text" name="comment" maxlength="1000"></label>
<button type="submit">Silence · 静默</button>
</form>`,
  );
}

export function silenced(alertname: string, duration: string, endsAt: string, by: string, amUrl: string): string {
  return page(
    `Silenced ${alertname}`,
    `<h1 class="ok">🔕 ${esc(alertname)} silenced for ${esc(duration)}</h1>
<p>By ${esc(by)}, until ${esc(endsAt)}. The group has been told.</p>
<p class="muted">Silence in Alertmanager: <a href="${esc(amUrl)}">${esc(amUrl)}</a></p>`,
  );
}

const REFUSALS = {
  malformed: 'This is not a Herald silence link.',
  forged: 'This link was not signed by this Herald, or it was changed. Nothing was silenced.',
  expired: 'This silence link has expired (links last 7 days). Silence the alert in Alertmanager or with /silence in the group.',
  unconfigured: 'This Herald has no Alertmanager configured (HERALD_ALERTMANAGER_URL), so it cannot silence alerts.',
} as const;

export function refused(reason: keyof typeof REFUSALS, detail?: string): string {
  return page('Link refused', `<h1 class="bad">Link refused</h1><p>${esc(REFUSALS[reason])}</p>${detail ? `<p>${esc(detail)}</p>` : ''}`);
}

export function failed(message: string): string {
  return page('Not silenced', `<h1 class="bad">Not silenced</h1><p>${esc(message)}</p><p class="muted">Go back and try again.</p>`);
}
