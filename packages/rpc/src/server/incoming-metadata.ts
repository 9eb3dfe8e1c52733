/** Metadata keys Stages itself reads and writes on every call. Lower-case: HTTP/2 headers are. */
export const CALLER_KEY = 'stages-caller';
export const TAGS_KEY = 'stages-tags';

/** `stages-tags: canary, blue` -> ['canary', 'blue']. */
export function parseTags(value: string | undefined): readonly string[] {
  if (!value) return NO_TAGS;
  const tags: string[] = [];
  for (const part of value.split(',')) {
    const tag = part.trim();
    if (tag) tags.push(tag);
  }
  return tags;
}

const NO_TAGS: readonly string[] = Object.freeze([]);
