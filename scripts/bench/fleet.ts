/** One worker process of a fleet. */
export interface FleetMember {
  readonly pid: number;
  /**
   * Resolves once the worker would take a task, with the time (epoch ms) the worker itself
   * reported being ready: a clock both kinds of worker share, where watching them from here
   * would add a poll interval to one kind and not the other.
   */
  ready(timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

/** Enqueue -> pick-up and enqueue -> result of one task, in ms. */
export interface TaskTiming {
  readonly taskId: string;
  readonly dispatchMs: number;
  readonly completionMs: number;
}

/** What became of the tasks of one round. */
export interface RoundOutcome {
  /** Timings of the tasks that succeeded. */
  readonly timings: TaskTiming[];
  /** Tasks that finished any other way. */
  readonly failed: number;
}

/**
 * Workers taking tasks from one Redis and making one Messages API call each: the Hive agents
 * or a BullMQ fleet, measured by the same code. `close()` stops every member it spawned.
 */
export interface Fleet {
  readonly name: string;
  /** Starts one worker. A `spare` one listens where no task is sent, to time its start alone. */
  spawn(name: string, spare?: boolean): Promise<FleetMember>;
  /** Adds the tasks the way a producer of this kind would add a batch of them. */
  enqueue(taskIds: readonly string[]): Promise<void>;
  /** Tasks finished so far, whatever their outcome. */
  finished(): Promise<number>;
  /** The tasks whose ids start with `prefix`, once finished. */
  outcome(prefix: string): Promise<RoundOutcome>;
  close(): Promise<void>;
}
