/** The one place that knows topic names. */
export interface TopicNames {
  commands(endpointId: string): string;
  events(endpointId: string): string;
  deadLetters(endpointId: string): string;
  /** The endpoint whose command topic this is, or null for any other topic. */
  endpointOfCommands(topic: string): string | null;
  endpointOfEvents(topic: string): string | null;
}

export function topicNames(prefix: string): TopicNames {
  const commands = `${prefix}.commands.`;
  const events = `${prefix}.events.`;
  const strip = (topic: string, start: string) => (topic.startsWith(start) ? topic.slice(start.length) : null);
  return {
    commands: (endpointId) => `${commands}${endpointId}`,
    events: (endpointId) => `${events}${endpointId}`,
    deadLetters: (endpointId) => `${prefix}.deadletters.${endpointId}`,
    endpointOfCommands: (topic) => strip(topic, commands),
    endpointOfEvents: (topic) => strip(topic, events),
  };
}

/** Endpoint ids are also topic name parts: lower-case letters, digits and dashes. */
export const ENDPOINT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
