/**
 * The platform-neutral side of chat commands. A channel (adapters/<p>/inbound.ts) verifies a
 * callback, strips the platform's mention markup, dedups it with `firstSeen`, and hands an
 * InboundCommand to `run`; the answer is the text to post back into the group. Every change goes
 * through addSubscription/removeSubscription, so it is validated, quota-checked and audited as
 * `chat:<protocol>:<userId>`.
 */
import { type CommandHub, type EndpointContext, EndpointError, type InboundAction, type InboundChannel, type InboundCommand } from '../../adapters/types.js';
import { runAlertAction } from '../alerts/actions.js';
import { runAlertCommand } from '../alerts/commands.js';
import { sayAlert } from '../alerts/replies.js';
import { describeRouting, runRoutingCommand } from '../routing/commands.js';
import type { Herald } from '../context.js';
import { HeraldError } from '../errors.js';
import { addSubscription, removeSubscription } from '../http/routes/subscriptions.js';
import { TOPIC_NAME } from '../store/topics.js';
import { type Lang, type ParsedCommand, parseCommand } from './parse.js';
import { mayChange } from './permissions.js';
import { type ReplyKey, say, usageOf } from './replies.js';

/** A reply decided early: thrown inside a command, caught by `run`. */
class Answer {
  constructor(
    readonly key: ReplyKey,
    readonly params: Parameters<typeof say>[2] = {},
  ) {}
}

export class ChatCommandHub implements CommandHub {
  private channel: InboundChannel | undefined;

  constructor(
    private readonly h: Herald,
    readonly protocol: string,
  ) {}

  /** The plugin attaches the channel the adapter built with this hub (for its optional hooks). */
  attach(channel: InboundChannel): void {
    this.channel = channel;
  }

  firstSeen(key: string, ttlMs: number): Promise<boolean> {
    return this.h.store.setIfAbsent(`inbound-seen:${this.protocol}:${key}`, 1, ttlMs);
  }

  async run(input: InboundCommand): Promise<string> {
    const cmd: InboundCommand = { ...input, protocol: this.protocol };
    const found = parseCommand(cmd.text);
    // commands.locale fixes the reply language; `auto` answers in the language of the words used
    const locale = this.h.config.commands.locale;
    const fixed: Lang | undefined = locale === 'zh-CN' ? 'zh' : locale === 'en' ? 'en' : undefined;
    const parsed = fixed ? (found.ok ? { ...found, command: { ...found.command, lang: fixed } } : { ...found, lang: fixed }) : found;
    if (!parsed.ok) return say(parsed.lang, 'unknownCommand', { word: parsed.word });
    const { lang } = parsed.command;
    try {
      return await this.dispatch(cmd, parsed.command);
    } catch (err) {
      if (err instanceof Answer) return say(lang, err.key, err.params);
      if (err instanceof HeraldError && err.status < 500) return say(lang, 'refused', { reason: err.message });
      if (err instanceof HeraldError && err.code === 'unavailable') return say(lang, 'unavailable');
      // The text may hold a webhook key (WeCom): log who and what kind of command, never the words.
      this.h.log.error('chat command failed', { protocol: this.protocol, command: parsed.command.name, chatId: cmd.chatId, err });
      return say(lang, 'failed');
    }
  }

  /** A button has no words to take the language from: commands.locale, English unless it says zh-CN. */
  private get buttonLang(): Lang {
    return this.h.config.commands.locale === 'zh-CN' ? 'zh' : 'en';
  }

  actionPending(): string {
    return sayAlert(this.buttonLang, 'buttonPending');
  }

  /** A button pressed on an alert card: the same permission policy and audit as the commands. */
  async action(input: InboundAction): Promise<{ ok: boolean; text: string }> {
    const a: InboundAction = { ...input, protocol: this.protocol };
    const cmd: InboundCommand = { protocol: this.protocol, eventId: a.eventId, chatId: a.chatId, userId: a.userId, userName: a.userName, text: '' };
    const lang = this.buttonLang;
    const checkPermission = async () => {
      try {
        await this.checkPermission(cmd);
      } catch (err) {
        if (err instanceof Answer) throw new Error(say(lang, err.key, err.params));
        throw err;
      }
    };
    try {
      return await runAlertAction({ h: this.h, a, checkPermission, actor: actorOf(cmd), lang });
    } catch (err) {
      this.h.log.error('card action failed', { protocol: this.protocol, chatId: a.chatId, err });
      return { ok: false, text: say(lang, 'failed') };
    }
  }

  private dispatch(cmd: InboundCommand, c: ParsedCommand): Promise<string> {
    switch (c.name) {
      case 'subscribe':
        return this.subscribe(cmd, c);
      case 'unsubscribe':
        return this.unsubscribe(cmd, c);
      case 'list':
        return this.list(cmd, c.lang);
      case 'help':
        return Promise.resolve(say(c.lang, 'help', { argument: this.channel?.argumentHint ?? '' }));
      case 'silence':
      case 'silences':
      case 'unsilence':
      case 'ack':
        return runAlertCommand({ h: this.h, cmd, c: { ...c, name: c.name }, checkPermission: () => this.checkPermission(cmd), actor: actorOf(cmd) });
      case 'mute':
      case 'unmute':
        return runRoutingCommand({ h: this.h, cmd, c: { ...c, name: c.name }, checkPermission: () => this.checkPermission(cmd), actor: actorOf(cmd) });
    }
  }

  /** `<topic>` plus at most one argument, which only a channel with `resolveEndpoint` takes. */
  private topicArg(c: ParsedCommand): { topic: string; arg?: string } {
    const takesArg = !!this.channel?.resolveEndpoint;
    const usage = usageOf(c.name === 'subscribe' ? 'subscribe' : 'unsubscribe', c.lang, c.name === 'subscribe' && takesArg ? (this.channel?.argumentHint ?? '<…>') : '');
    const [topic, arg, ...more] = c.args;
    if (!topic || more.length > 0 || (arg !== undefined && !takesArg)) throw new Answer('usage', { usage });
    if (!TOPIC_NAME.test(topic)) throw new Answer('badTopicName', { topic: topic.slice(0, 64) });
    return { topic, arg };
  }

  private async checkPermission(cmd: InboundCommand): Promise<void> {
    const p = await mayChange(this.h.config, cmd, this.channel);
    if (p.ok) return;
    if (p.why === 'admins') throw new Answer('deniedAdmins');
    if (p.why === 'allowlist') throw new Answer('deniedAllowlist', { userId: cmd.userId, protocol: this.protocol });
    throw new Answer('adminCheckFailed');
  }

  /** The endpoint this chat pushes to: the channel's resolver first, then what the channel put on the command. */
  private async endpointOf(cmd: InboundCommand, arg: string | undefined, ctx: EndpointContext): Promise<string | undefined> {
    try {
      return (await this.channel?.resolveEndpoint?.(cmd, arg, ctx)) ?? cmd.endpoint;
    } catch (err) {
      if (err instanceof EndpointError) throw new Answer('refused', { reason: err.message });
      throw err;
    }
  }

  private async subscribe(cmd: InboundCommand, c: ParsedCommand): Promise<string> {
    const { topic, arg } = this.topicArg(c);
    await this.checkPermission(cmd);
    if (!(await this.h.topics.get(topic))) throw new Answer('unknownTopic', { topic });
    const endpoint = await this.endpointOf(cmd, arg, { command: 'subscribe', topic });
    if (!endpoint) throw new Answer('noEndpoint');
    const { created } = await addSubscription(this.h, {
      topic,
      protocol: this.protocol,
      endpoint,
      source: 'chat',
      chat: { protocol: this.protocol, chatId: cmd.chatId, chatName: cmd.chatName },
      actor: actorOf(cmd),
    });
    return say(c.lang, created ? 'subscribed' : 'alreadySubscribed', { topic });
  }

  private async unsubscribe(cmd: InboundCommand, c: ParsedCommand): Promise<string> {
    const { topic, arg } = this.topicArg(c);
    await this.checkPermission(cmd);
    let subs = (await this.h.subscriptions.listByChat(this.protocol, cmd.chatId)).filter((s) => s.topic === topic);
    if (arg !== undefined) {
      // Narrow to the one endpoint named (WeCom: several robots of one chat may be subscribed).
      const endpoint = await this.endpointOf(cmd, arg, { command: 'unsubscribe', topic });
      const adapter = this.h.adapters.get(this.protocol);
      if (endpoint && adapter) {
        let normalized: string;
        try {
          normalized = adapter.normalizeEndpoint(endpoint);
        } catch (err) {
          if (err instanceof EndpointError) throw new Answer('refused', { reason: err.message });
          throw err;
        }
        const fp = this.h.subscriptions.fingerprint(topic, normalized);
        subs = subs.filter((s) => s.fingerprint === fp);
      }
    }
    if (subs.length === 0) {
      if (!(await this.h.topics.get(topic))) throw new Answer('unknownTopic', { topic });
      return say(c.lang, 'notSubscribed', { topic });
    }
    for (const sub of subs) await removeSubscription(this.h, sub, actorOf(cmd));
    return say(c.lang, 'unsubscribed', { topic });
  }

  private async list(cmd: InboundCommand, lang: Lang): Promise<string> {
    const subs = await this.h.subscriptions.listByChat(this.protocol, cmd.chatId);
    // one line per subscription: its topic with its filter, quiet hours and mute
    const topics = [...new Set(subs.map((s) => describeRouting(s, lang, this.h.config.publish.timeZone)))].sort();
    return topics.length ? say(lang, 'list', { topics }) : say(lang, 'listEmpty');
  }
}

/** The audit actor of a chat command. */
export const actorOf = (cmd: InboundCommand): string => `chat:${cmd.protocol}:${cmd.userId}`;
