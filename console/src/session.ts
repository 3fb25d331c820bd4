/**
 * Who is signed in. The token lives in sessionStorage only: it is gone when the tab closes and is
 * never written to localStorage, a cookie or the URL.
 */
const TOKEN_KEY = 'herald.token';
const SENT_KEY = 'herald.sent';
/** Message ids remembered for the "sent in this session" list. */
const SENT_MAX = 20;

export interface Me {
  name: string;
  scopes: string[];
}

let me: Me | undefined;

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY) ?? undefined,
  signIn(token: string, who: Me) {
    sessionStorage.setItem(TOKEN_KEY, token);
    me = who;
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(SENT_KEY);
    me = undefined;
  },
  me: () => me,
  setMe(who: Me) {
    me = who;
  },
  isAdmin: () => !!me?.scopes.includes('admin'),
  /** Topics this token may publish to; '*' means any. */
  publishTopics(): string[] {
    if (!me) return [];
    if (me.scopes.includes('admin') || me.scopes.includes('publish:*')) return ['*'];
    return me.scopes.filter((s) => s.startsWith('publish:')).map((s) => s.slice(8));
  },
  sent(): string[] {
    try {
      const v = JSON.parse(sessionStorage.getItem(SENT_KEY) ?? '[]');
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  },
  remember(messageId: string) {
    const list = [messageId, ...session.sent().filter((id) => id !== messageId)].slice(0, SENT_MAX);
    sessionStorage.setItem(SENT_KEY, JSON.stringify(list));
  },
};
