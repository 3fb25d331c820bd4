/**
 * A topic's subscription targets as the publish path caches them, kept compact: the ids in one
 * string, each protocol once with one byte (or two) per target saying which, and only the few
 * targets that carry more (a filter, quiet hours, a mute) as objects. 100,000 webhook targets are
 * ~2.6 MB here instead of ~8 MB of objects; a publish unpacks them for its plan and lets them go.
 */
import type { RoutingRef } from '../routing/plan.js';

const SEP = '\n';

export interface PackedRefs {
  readonly length: number;
  /** every id, joined by SEP (undefined when one holds SEP: then `whole` keeps the list as given) */
  readonly ids?: string;
  readonly protocols: string[];
  readonly protocolOf: Uint8Array | Uint16Array;
  /** index -> the whole ref, for one with routing fields besides id and protocol */
  readonly extras: Map<number, RoutingRef>;
  readonly whole?: RoutingRef[];
}

const plain = (r: RoutingRef) => r.filter === undefined && r.quietHours === undefined && r.mutedUntil === undefined;

export function packRefs(refs: RoutingRef[]): PackedRefs {
  const protocols: string[] = [];
  const protocolIndex = new Map<string, number>();
  const extras = new Map<number, RoutingRef>();
  const protocolOf = refs.length && new Set(refs.map((r) => r.protocol)).size > 255 ? new Uint16Array(refs.length) : new Uint8Array(refs.length);
  let joinable = true;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    if (r.id.includes(SEP)) joinable = false;
    let p = protocolIndex.get(r.protocol);
    if (p === undefined) {
      p = protocols.length;
      protocols.push(r.protocol);
      protocolIndex.set(r.protocol, p);
    }
    protocolOf[i] = p;
    if (!plain(r)) extras.set(i, r);
  }
  if (!joinable || protocols.length > 65_535) return { length: refs.length, protocols: [], protocolOf: new Uint8Array(0), extras: new Map(), whole: refs };
  return { length: refs.length, ids: refs.map((r) => r.id).join(SEP), protocols, protocolOf, extras };
}

export function unpackRefs(packed: PackedRefs): RoutingRef[] {
  if (packed.whole) return packed.whole.slice();
  if (packed.length === 0) return [];
  const ids = packed.ids!.split(SEP);
  const refs: RoutingRef[] = new Array(packed.length);
  for (let i = 0; i < packed.length; i++) refs[i] = packed.extras.get(i) ?? { id: ids[i]!, protocol: packed.protocols[packed.protocolOf[i]!]! };
  return refs;
}
