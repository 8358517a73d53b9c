import * as k8s from '@kubernetes/client-node';

type AttributeMap = Array<{ name: string; baseName: string; type: string }>;
type ModelClass = { getAttributeTypeMap(): AttributeMap };

/**
 * The Kubernetes 1.28 model class of an apiVersion and kind, from the official
 * client (0.20.x is its 1.28 line): its attribute maps list every field the API knows.
 */
export function kubernetesModel(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split('/').pop()!;
  const name = `${version[0].toUpperCase()}${version.slice(1)}${kind}`;
  return typeof (k8s as unknown as Record<string, unknown>)[name] === 'function' ? name : undefined;
}

/** JSON paths of fields the Kubernetes API does not define (kubeconform's "strict" mode). */
export function unknownFields(value: unknown, type: string, path = ''): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return (value as unknown[]).flatMap((item, i) => unknownFields(item, array[1], `${path}[${i}]`));
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return Object.entries(value as object).flatMap(([key, item]) => unknownFields(item, map[1], `${path}.${key}`));
  const model = (k8s as unknown as Record<string, ModelClass | undefined>)[type];
  if (typeof model?.getAttributeTypeMap !== 'function' || typeof value !== 'object') return [];
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value as object).flatMap(([key, item]) => {
    const childType = attributes.get(key);
    return childType === undefined ? [`${path}.${key}`] : unknownFields(item, childType, `${path}.${key}`);
  });
}
