/**
 * Image references. Registry references are normalised like docker (`nginx` →
 * `index.docker.io/library/nginx:latest`); layout references are `oci:DIR[:TAG|@DIGEST]`.
 *
 * IMPLEMENTATION OWNER: the layout/CLI helper fills in parseReference/formatReference (+ table tests).
 */
export interface RegistryReference {
  kind: 'registry';
  /** Host[:port], normalised: `index.docker.io` for Docker Hub, IPv6 in brackets. */
  registry: string;
  /** Repository path, e.g. `library/nginx`, `demo/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export interface LayoutReference {
  kind: 'layout';
  /** The layout directory as given (resolved to absolute by the layout backend). */
  path: string;
  tag?: string;
  digest?: string;
}

export type Reference = RegistryReference | LayoutReference;

export declare function parseReference(input: string): Reference;
