import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { GatewaySpec } from '../../environment/environment-schema';
import { hiveLabels } from '../workload/labels';

export interface GatewayIngressProps {
  readonly namespace: string;
  /** The gateway's Service and the name of its A2A port. */
  readonly serviceName: string;
  readonly portName: string;
  /** Class, host, TLS Secret and controller annotations from the environment. */
  readonly ingress: NonNullable<GatewaySpec['ingress']>;
}

/** The gateway's A2A port on a public host, TLS only: clients send bearer tokens. */
export class GatewayIngress extends Construct {
  constructor(scope: Construct, id: string, props: GatewayIngressProps) {
    super(scope, id);
    const { ingress } = props;
    new k8s.KubeIngress(this, 'ingress', {
      metadata: {
        name: props.serviceName,
        namespace: props.namespace,
        labels: hiveLabels('gateway'),
        ...(Object.keys(ingress.annotations).length ? { annotations: { ...ingress.annotations } } : {}),
      },
      spec: {
        ingressClassName: ingress.className,
        tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }],
        rules: [
          {
            host: ingress.host,
            http: {
              paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: props.serviceName, port: { name: props.portName } } } }],
            },
          },
        ],
      },
    });
  }
}
