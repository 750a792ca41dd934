import type { MemberInfo } from "./port.js";

/**
 * One object per person for as long as the portal describes them the same way. Every group read and
 * every move's answer lists its members afresh: the in-memory portal, whose groups the dry run keeps in
 * memory, would otherwise keep a copy of each person for every group and answer that names them.
 */
export class SamePeople {
  readonly #known = new Map<string, MemberInfo>();

  /** The person as first seen when nothing about them changed since; else this description, kept. */
  of(person: MemberInfo): MemberInfo {
    const known = this.#known.get(person.id);
    if (
      known !== undefined &&
      known.displayName === person.displayName &&
      known.status === person.status &&
      known.isVisitor === person.isVisitor &&
      known.email === person.email
    )
      return known;
    this.#known.set(person.id, person);
    return person;
  }
}
