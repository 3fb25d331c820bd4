/** The names of the time-ordered indexes (sorted sets scored by the time in each member's id). */

/** a topic's message ids */
export const topicIndex = (topic: string) => `topic-msgs:${topic}`;
/** every message across topics, as `<message id>:<topic>` */
export const MESSAGES_INDEX = 'msgs';
/** failed delivery ids */
export const FAILED_INDEX = 'failed';
/** audit entry ids */
export const AUDIT_INDEX = 'audit';
/** deleted topics (member: name, score: when) whose records the sweep still has to delete */
export const DELETED_TOPICS = 'topics-deleted';

/** `<message id>:<topic>` → its parts */
export function splitMessageMember(member: string): { id: string; topic: string } {
  const at = member.indexOf(':');
  return at < 0 ? { id: member, topic: '' } : { id: member.slice(0, at), topic: member.slice(at + 1) };
}

/** A delivery's id: its message's id and its place among that message's deliveries. */
export const deliveryId = (messageId: string, index: number) => `${messageId}.${index.toString().padStart(5, '0')}`;
