/** Input that cannot be a valid Kafka message: the connection that sent it is closed. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}
