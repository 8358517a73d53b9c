import * as pulumi from '@pulumi/pulumi';

interface KubeWorkload {
  kind: string;
  spec?: { template?: { spec?: { containers?: Array<{ image: pulumi.Input<string> }> } } };
}

/**
 * A ConfigGroup transformation: a container whose image is one of the tested
 * images (by its content-hash tag, as synth renders it) runs that image by the
 * digest that passed the smoke test, taken from the output that checked it
 * against the registry. A tag can be moved; with `imagePullPolicy: IfNotPresent`
 * a rebuilt image under an existing tag would never reach a node that has the old one.
 *
 * @param digestsByTag the tested digest of each image, by its tag reference
 */
export function imagesByDigest(digestsByTag: ReadonlyMap<string, pulumi.Output<string>>): (object: KubeWorkload) => void {
  return (object) => {
    for (const container of object.spec?.template?.spec?.containers ?? []) {
      const digest = typeof container.image === 'string' ? digestsByTag.get(container.image) : undefined;
      if (digest) container.image = digest;
    }
  };
}
