/**
 * What this Herald delivers to, as GET /v1/protocols answers: each adapter describes its own form
 * fields (and where a group admin finds each value), mentions and colour. Loaded once after sign-in.
 */
import { api } from './api.js';

export type Protocol = string;

/** One input of the subscription form (adapters/types.ts FormField). */
export interface FormField {
  name: 'endpoint' | 'secret' | 'keyword';
  label: string;
  help: string;
  required: boolean;
  /** a password box: typed blind, never shown again */
  secret: boolean;
  example: string;
}

export interface PlatformSpec {
  protocol: Protocol;
  displayName: string;
  /** short line under the platform's name */
  summary: string;
  /** "#rrggbb", the badge background */
  color: string;
  docsUrl?: string;
  fields: FormField[];
  mentions: { all: boolean; users?: string; mobiles?: string };
}

let loaded: PlatformSpec[] | undefined;

/** Fetches the protocols once; later calls answer from memory. */
export async function loadPlatforms(): Promise<PlatformSpec[]> {
  loaded ??= (await api.get<{ protocols: PlatformSpec[] }>('/protocols')).protocols;
  return loaded;
}

/** The protocols loaded by loadPlatforms, in the server's registry order ([] before). */
export const platforms = (): PlatformSpec[] => loaded ?? [];

export const platformSpec = (protocol: string): PlatformSpec | undefined => platforms().find((p) => p.protocol === protocol);

export const platformName = (protocol: string): string => platformSpec(protocol)?.displayName ?? protocol;

const HEX = /^#[0-9a-fA-F]{6}$/;

/** The coloured name badge of a protocol (colour set through the CSSOM: the console's CSP has no inline styles). */
export function platformBadge(protocol: string, make: (cls: string, text: string) => HTMLElement): HTMLElement {
  const badge = make('platform', platformName(protocol));
  const color = platformSpec(protocol)?.color;
  if (color && HEX.test(color)) badge.style.backgroundColor = color;
  return badge;
}
