import * as pulumi from '@pulumi/pulumi';

/** Kinds whose deletion loses data: the Namespace (with every volume in it) and the data stores. */
const STATEFUL_TYPES = new Set(['kubernetes:core/v1:Namespace', 'kubernetes:apps/v1:StatefulSet']);

export interface StatefulProtectionOptions {
  /**
   * Lets a change of the environment's namespace replace the Namespace
   * (the old one is still left in the cluster, with its volumes).
   * @default false
   */
  readonly allowNamespaceChange?: boolean;
}

/**
 * Marks the objects whose deletion loses data as protected (the engine refuses
 * to delete or replace them, so a renamed namespace stops `pulumi up` instead
 * of deleting the Redis volume) and as retained on delete (`pulumi destroy` or
 * a removal from the program leaves them in the cluster).
 */
export function statefulProtection(options: StatefulProtectionOptions = {}): pulumi.ResourceTransformation {
  return ({ type, props, opts }) => {
    if (!STATEFUL_TYPES.has(type)) return undefined;
    const protect = !(type === 'kubernetes:core/v1:Namespace' && options.allowNamespaceChange);
    return { props, opts: pulumi.mergeOptions(opts, { protect, retainOnDelete: true }) };
  };
}
