/**
 * Who may change a group's subscriptions, per platform: `commands.<protocol>` in the config
 * ({allow: anyone | admins | allowlist, users: [...]}, default anyone). Listing and help are open to all.
 */
import type { InboundChannel, InboundCommand } from '../../adapters/types.js';
import type { Config } from '../config/schema.js';

export type Permission = { ok: true } | { ok: false; why: 'admins' | 'allowlist' | 'admin-check-failed' };

export async function mayChange(config: Config, cmd: InboundCommand, channel: InboundChannel | undefined): Promise<Permission> {
  const policy = config.commands[cmd.protocol] ?? { allow: 'anyone', users: [] };
  switch (policy.allow) {
    case 'anyone':
      return { ok: true };
    case 'allowlist':
      return policy.users.includes(cmd.userId) ? { ok: true } : { ok: false, why: 'allowlist' };
    case 'admins': {
      let admin = cmd.isAdmin;
      if (admin === undefined && channel?.isAdmin) {
        try {
          admin = await channel.isAdmin(cmd);
        } catch {
          return { ok: false, why: 'admin-check-failed' };
        }
      }
      return admin === true ? { ok: true } : { ok: false, why: 'admins' };
    }
  }
}
