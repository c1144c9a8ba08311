/**
 * The consumer role: validated, idempotent inserts of accepted events.
 *
 * @packageDocumentation
 */
export { createConsumerHandler, type ConsumerHandlerOptions } from './createConsumerHandler'
