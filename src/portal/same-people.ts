import type { MemberInfo } from "./port.js";

/**
 * One object per person for as long as the portal describes them the same way. Every group read and
 * every move's answer lists its members afresh; a run of 100,000 moves reads each person two or three
 * times and kept every copy (its id, name and email strings included) until the report.
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
