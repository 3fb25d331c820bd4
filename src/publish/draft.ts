/** What an intake (JSON, text, Alertmanager, Grafana …) makes of a publish request body. */
import type { Level, MessageAction, Mentions } from '../../adapters/types.js';

export interface Draft {
  /** the intake that read it: json, text, alertmanager, grafana */
  source: string;
  subject?: string;
  /** the message as the sender wrote it (shown in the records); the rendered default when absent */
  text?: string;
  level: Level;
  mentions: Mentions;
  attributes: Record<string, string>;
  format: 'markdown' | 'text';
  /** an alert group's alerts, one key each (fingerprint, or a hash of the labels): cards are edited by them */
  alertKeys?: string[];
  /** buttons on the message (an alert's Silence and Ack) */
  actions?: MessageAction[];
  /** ready texts per protocol (`default` for the rest) … */
  bodies?: Record<string, string>;
  /** … or a template to render for each subscribed protocol */
  template?: {
    name: string;
    context: Record<string, unknown>;
    /** built-in variants used when no stored template of that name exists */
    builtin?: Record<string, string>;
  };
  /**
   * A grouped alert notification: each alert's attributes (its labels, `status`, `level`), and the
   * same draft holding only some of the alerts, for subscriptions whose filter matches only those.
   */
  alerts?: {
    attributes: Record<string, string>[];
    select(indices: number[]): Draft;
  };
}

export interface IntakeContext {
  topic: string;
  timeZone: string;
  /** a signed Herald silence link for one firing alert, when silence links are on (src/alerts) */
  silenceLink?: (alert: { alertname: string; labels: Record<string, string>; fingerprint?: string }) => string;
  /** the buttons of a firing alert group, when silence links are on */
  alertActions?: (alert: { alertname: string; labels: Record<string, string>; fingerprint?: string }) => MessageAction[];
}

/**
 * An intake recognises one kind of body by its shape. The first whose `detect` says yes reads it,
 * unless `?format=<name>` names one.
 */
export interface Intake {
  name: string;
  /** true when this body is of this intake's kind */
  detect(body: unknown, contentType: string): boolean;
  /** throws HeraldError (400) for a body of its kind it cannot read */
  read(body: unknown, ctx: IntakeContext): Draft;
}

/** What a template sees when it renders a draft: the topic, then the intake's context. The preview uses it too. */
export const templateContext = (topic: string, context: Record<string, unknown>): Record<string, unknown> => ({ topic, ...context });
