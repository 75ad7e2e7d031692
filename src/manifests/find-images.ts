/**
 * Where a manifest says which images run: every pod spec Kubernetes has (Pod, PodTemplate, ReplicationController,
 * Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob's jobTemplate) — `initContainers`, `containers` and
 * `ephemeralContainers` — inside `kind: List` (and `…List`) items too, and Compose files' `services.*.image`.
 *
 * A kind is recognised only with its own apiVersion: a custom resource that reuses a name (a Volcano `Job`) has
 * another shape, so it is skipped and counted like every other kind, never half-read. A recognised workload
 * without containers, a container without an image, or an image that is not a string is bad input (exit 3):
 * kubectl would refuse it, and a gate must not guess.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type YAMLMap } from 'yaml';
import { OcisignError } from '../core/errors.ts';
import { asMap, asSeq, asString, deref, getPath, mapGet, type ValueNode } from './yaml-nodes.ts';

export type ScalarStyle = 'plain' | 'single' | 'double' | 'block' | 'alias';

/** One place an image is written. */
export interface ImageSite {
  image: string;
  file: string;
  line: number;
  /** What holds it, e.g. `Deployment web: spec.template.spec.containers[0] (app)`. */
  where: string;
  /** Source offsets of the node written there (the scalar, or the alias standing for it) and how it is written. */
  start: number;
  end: number;
  style: ScalarStyle;
}

/** What the documents of a file hold besides images. */
export interface DocumentTally {
  /** Kubernetes objects (List items counted one by one) and Compose files. */
  resources: number;
  /** Resources with at least one image. */
  withImages: number;
  /** Skipped resources by kind (`ConfigMap`, `Job (batch.volcano.sh/v1alpha1)`, `(no kind)`). */
  skipped: Map<string, number>;
  /** Compose services with `build:` and no `image:` (built on the spot, nothing to verify). */
  builtLocally: number;
}

export interface FindContext {
  doc: Document;
  file: string;
  /** 1-based line of a source offset. */
  lineOf(offset: number): number;
  sites: ImageSite[];
  tally: DocumentTally;
}

/** Where each workload kind keeps its pod spec, and the apiVersions that make it the built-in kind. */
const POD_SPECS: Record<string, { apiVersions: string[]; path: string[] }> = {
  Pod: { apiVersions: ['v1'], path: ['spec'] },
  PodTemplate: { apiVersions: ['v1'], path: ['template', 'spec'] },
  ReplicationController: { apiVersions: ['v1'], path: ['spec', 'template', 'spec'] },
  Deployment: { apiVersions: ['apps/v1', 'apps/v1beta2', 'apps/v1beta1', 'extensions/v1beta1'], path: ['spec', 'template', 'spec'] },
  ReplicaSet: { apiVersions: ['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'], path: ['spec', 'template', 'spec'] },
  StatefulSet: { apiVersions: ['apps/v1', 'apps/v1beta2', 'apps/v1beta1'], path: ['spec', 'template', 'spec'] },
  DaemonSet: { apiVersions: ['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'], path: ['spec', 'template', 'spec'] },
  Job: { apiVersions: ['batch/v1'], path: ['spec', 'template', 'spec'] },
  CronJob: { apiVersions: ['batch/v1', 'batch/v1beta1', 'batch/v2alpha1'], path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
};

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
const MAX_LIST_DEPTH = 8;

/** Find the images of one YAML document (its top node). */
export function findImages(ctx: FindContext): void {
  const top = deref(ctx.doc, ctx.doc.contents);
  if (top === undefined || (isScalar(top) && top.value === null)) return; // an empty document
  visitResource(ctx, top, 0);
}

function visitResource(ctx: FindContext, node: Node, depth: number): void {
  if (!isMap(node)) return skip(ctx, '(not a mapping)');
  const kind = asString(ctx.doc, mapGet(ctx.doc, node, 'kind'));
  if (kind === undefined) {
    const services = asMap(ctx.doc, mapGet(ctx.doc, node, 'services'));
    return services ? visitCompose(ctx, services) : skip(ctx, '(no kind)');
  }
  const apiVersion = asString(ctx.doc, mapGet(ctx.doc, node, 'apiVersion'));
  const items = asSeq(ctx.doc, mapGet(ctx.doc, node, 'items'));
  if ((kind === 'List' || kind.endsWith('List')) && items) {
    if (depth >= MAX_LIST_DEPTH) throw bad(ctx, node, `${kind}: lists nested more than ${MAX_LIST_DEPTH} deep`);
    for (const item of items.items) {
      const resource = deref(ctx.doc, item);
      if (resource) visitResource(ctx, resource, depth + 1);
    }
    return;
  }
  const spec = POD_SPECS[kind];
  if (!spec || apiVersion === undefined || !spec.apiVersions.includes(apiVersion)) {
    return skip(ctx, spec ? `${kind} (${apiVersion ?? 'no apiVersion'})` : kind);
  }
  const name = asString(ctx.doc, getPath(ctx.doc, node, ['metadata', 'name']));
  const label = name ? `${kind} ${name}` : kind;
  const podSpec = asMap(ctx.doc, getPath(ctx.doc, node, spec.path));
  if (!podSpec) throw bad(ctx, node, `${label}: no pod spec at ${spec.path.join('.')}`);
  ctx.tally.resources++;
  const before = ctx.sites.length;
  visitPodSpec(ctx, podSpec, label, spec.path.join('.'));
  if (ctx.sites.length > before) ctx.tally.withImages++;
}

function visitPodSpec(ctx: FindContext, podSpec: YAMLMap, label: string, at: string): void {
  for (const field of CONTAINER_LISTS) {
    const raw = mapGet(ctx.doc, podSpec, field);
    const list = deref(ctx.doc, raw);
    if (list === undefined || (isScalar(list) && list.value === null)) {
      if (field === 'containers') throw bad(ctx, podSpec, `${label}: no ${at}.containers`);
      continue;
    }
    if (!isSeq(list)) throw bad(ctx, list, `${label}: ${at}.${field} is not a list`);
    if (field === 'containers' && list.items.length === 0) throw bad(ctx, list, `${label}: ${at}.containers is empty`);
    list.items.forEach((item, i) => {
      const container = asMap(ctx.doc, item);
      const where = `${label}: ${at}.${field}[${i}]`;
      if (!container) throw bad(ctx, item ?? list, `${where} is not a mapping`);
      const name = asString(ctx.doc, mapGet(ctx.doc, container, 'name'));
      addImage(ctx, container, name ? `${where} (${name})` : where);
    });
  }
}

function visitCompose(ctx: FindContext, services: YAMLMap): void {
  ctx.tally.resources++;
  const before = ctx.sites.length;
  for (const pair of services.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '?';
    const where = `compose service ${name}`;
    const service = asMap(ctx.doc, pair.value);
    if (!service) throw bad(ctx, (pair.value ?? pair.key) as Node, `${where} is not a mapping`);
    if (mapGet(ctx.doc, service, 'image') === undefined && mapGet(ctx.doc, service, 'build') !== undefined) {
      ctx.tally.builtLocally++;
      continue;
    }
    addImage(ctx, service, where);
  }
  if (ctx.sites.length > before) ctx.tally.withImages++;
}

function addImage(ctx: FindContext, holder: YAMLMap, where: string): void {
  const written = mapGet(ctx.doc, holder, 'image');
  if (written === undefined) throw bad(ctx, holder, `${where} has no image`);
  const value = deref(ctx.doc, written);
  if (!isScalar(value) || typeof value.value !== 'string') throw bad(ctx, value ?? written, `${where}: the image is not a string`);
  if (value.value === '') throw bad(ctx, value, `${where}: the image is empty`);
  const range = written.range ?? value.range;
  if (!range) throw bad(ctx, holder, `${where}: no source position for the image`);
  ctx.sites.push({
    image: value.value,
    file: ctx.file,
    line: ctx.lineOf(range[0]),
    where,
    start: range[0],
    end: range[1],
    style: styleOf(written, value.type),
  });
}

function styleOf(written: ValueNode, type: string | undefined): ScalarStyle {
  if (isAlias(written)) return 'alias';
  if (type === 'QUOTE_SINGLE') return 'single';
  if (type === 'QUOTE_DOUBLE') return 'double';
  if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') return 'block';
  return 'plain';
}

function skip(ctx: FindContext, label: string): void {
  ctx.tally.skipped.set(label, (ctx.tally.skipped.get(label) ?? 0) + 1);
}

function bad(ctx: FindContext, node: unknown, what: string): OcisignError {
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  const at = range ? `${ctx.file}:${ctx.lineOf(range[0])}` : ctx.file;
  return new OcisignError('BAD_INPUT', `manifest ${at}: ${what}`);
}
