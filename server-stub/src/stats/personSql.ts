/**
 * The person an event belongs to (issue 14), as one SQL building block every count of users
 * uses, so that "people, not ids" is decided in one place.
 *
 * A person is the user id an anonymous id was first linked to (by an event whose anonymous_id
 * differs from its user_id, see IDENTITY_LINKS_DDL), else the event's user_id itself:
 * - an anonymous visit (user_id = the anonymous id) that logs in as `user_42` is `user_42`,
 *   before the login as after it, and also for answers computed before the link arrived;
 * - two devices of one user are that user;
 * - a shared device after `reset()` has a new anonymous id, so each user keeps their own past;
 * - an identified event is its user_id whatever device it came from (a second user on a device
 *   that was not reset is not folded into the first).
 * Replays change nothing: the link is a `min`, and events are still counted by event_id.
 */

/**
 * Every anonymous id that was linked, with its person: the least (time, user_id) of its links.
 * A subquery small enough to ship to every shard: one row per anonymous id that logged in.
 */
export const PERSON_LINKS_SQL = `(
    SELECT anonymous_id AS linked_id, min(first_link).2 AS linked_person
    FROM identity_links
    GROUP BY anonymous_id
  )`

/**
 * `FROM` clause of `events` (aliased `alias`, with FINAL when `final`) joined to its persons;
 * select {@link personOf}(alias) for the person. GLOBAL: on a cluster the links are read once
 * and sent to every shard (a plain JOIN of two Distributed tables is refused); on one server it
 * is a plain LEFT JOIN. A missing link reads as '' (join_use_nulls is off).
 *
 * @param alias - The alias of events in the query. @default 'e'
 * @param final - Read `events FINAL` (event counts); unique counts need no FINAL. @default false
 */
export function eventsWithPerson(alias = 'e', final = false): string {
  return `events AS ${alias}${final ? ' FINAL' : ''}
    GLOBAL LEFT JOIN ${PERSON_LINKS_SQL} AS ${alias}_links ON ${alias}.user_id = ${alias}_links.linked_id`
}

/**
 * A fingerprint of every link (anonymous id → person), as a UInt64: equal fingerprints mean the
 * same links, so an answer computed under one still counts the same people. A content hash, not
 * a row count: merges shrink the table without changing a link.
 */
export const LINKS_FINGERPRINT_SQL = `SELECT count() + sum(cityHash64(linked_id, linked_person))
  FROM ${PERSON_LINKS_SQL}`

/** The person of the event row `alias` in a query over {@link eventsWithPerson}(alias). */
export function personOf(alias = 'e'): string {
  return `if(${alias}_links.linked_person = '', ${alias}.user_id, ${alias}_links.linked_person)`
}
