/** CycloneDX XML: the library's XML serializer plus ocisign's `<compositions>`; loaded only for XML output. */
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import type * as Models from '@cyclonedx/cyclonedx-library/Models';
import type * as Spec from '@cyclonedx/cyclonedx-library/Spec';

export function serializeXmlWithCompositions(bom: Models.Bom, spec: typeof Spec.Spec1dot6, rootRef: string, aggregate: string): string {
  return new XmlWithCompositions(new Serialize.XML.Normalize.Factory(spec), rootRef, aggregate).serialize(bom, { sortLists: true, space: 2 });
}

/** The library's XML serializer plus a `<compositions>` element after `<dependencies>` (schema order). */
class XmlWithCompositions extends Serialize.XmlSerializer {
  #rootRef: string;
  #aggregate: string;

  constructor(factory: Serialize.XML.Normalize.Factory, rootRef: string, aggregate: string) {
    super(factory);
    this.#rootRef = rootRef;
    this.#aggregate = aggregate;
  }

  protected override _serialize(normalizedBom: Serialize.XML.Types.SimpleXml.Element, options?: Serialize.Types.SerializerOptions): string {
    const children = [...((normalizedBom.children ?? []) as Iterable<Serialize.XML.Types.SimpleXml.Element>)];
    const el = (name: string, kids?: Serialize.XML.Types.SimpleXml.Element['children'], attributes?: Record<string, string>) =>
      ({ type: 'element', name, children: kids, attributes }) as Serialize.XML.Types.SimpleXml.Element;
    const compositions = el('compositions', [el('composition', [
      el('aggregate', this.#aggregate),
      el('assemblies', [el('assembly', undefined, { ref: this.#rootRef })]),
      el('dependencies', [el('dependency', undefined, { ref: this.#rootRef })]),
    ])]);
    const at = children.findIndex((c) => c.name === 'dependencies');
    children.splice(at < 0 ? children.length : at + 1, 0, compositions);
    return super._serialize({ ...normalizedBom, children }, options);
  }
}
