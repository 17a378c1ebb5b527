import { ObjectIndex } from './model';
import { constraintCrdOf, isConstraintTemplate } from '../../validation/private/gatekeeper-constraints';

/**
 * What OPA Gatekeeper creates at run time: the CustomResourceDefinition of each constraint kind.
 *
 * Gatekeeper v3.23.0 (open-policy-agent/gatekeeper, commit cdf332c3f2762c616d4b6f433712a8d7ed62b3d8):
 * `pkg/controller/constrainttemplate/constrainttemplate_controller.go` `Reconcile` builds the CRD of every
 * ConstraintTemplate it sees (`r.cfClient.CreateCRD`) and `handleUpdate` -> `generateCRD` creates it
 * (`r.Create(ctx, newCRD)`): `<lowercased spec.crd.spec.names.kind>.constraints.gatekeeper.sh`, cluster-scoped,
 * built by frameworks `constraint/pkg/client/crds/crds.go` `CreateCRD` (the facts vendored in
 * schemas/upstream/gatekeeper/constraint-crd-v3.23.0.json, shared with the manifest validator's DerivedCrds).
 * So a constraint kind is installed by the Gatekeeper add-on once its template is on the cluster: the twin
 * derives those CRDs as made by the Application that installs Gatekeeper (the one whose chart installs the
 * ConstraintTemplate CRD) and remembers the template each comes from, for the bootstrap order.
 */

/** The group of the ConstraintTemplate kind (Gatekeeper `apis/templates`). */
export const TEMPLATES_GROUP = 'templates.gatekeeper.sh';

/** Derived constraint CRD -> the ConstraintTemplate of the output it is made from. */
const TEMPLATE_OF = new WeakMap<object, any>();

/** The ConstraintTemplate a derived constraint CRD comes from, if it is one. */
export function constraintTemplateOf(crd: any): any | undefined {
  return crd && typeof crd === 'object' ? TEMPLATE_OF.get(crd) : undefined;
}

/**
 * The constraint CRDs Gatekeeper creates from the output's ConstraintTemplates, each annotated as made by the
 * Application that installs Gatekeeper (`addonDerived`: the add-ons' rendered objects, whose ConstraintTemplate
 * CRD names that Application). None when no add-on installs Gatekeeper: then nothing creates them.
 */
export function gatekeeperConstraintCrds(index: ObjectIndex, addonDerived: any[], madeByKey: string): { derived: any[]; notModelled: string[] } {
  const templateCrd = addonDerived.find((d) => d?.kind === 'CustomResourceDefinition' && d.spec?.group === TEMPLATES_GROUP && d.spec?.names?.kind === 'ConstraintTemplate');
  const owner = templateCrd?.metadata?.annotations?.[madeByKey];
  const templates = index.ofKind('ConstraintTemplate').filter(isConstraintTemplate);
  if (owner === undefined || templates.length === 0) return { derived: [], notModelled: [] };
  const derived: any[] = [];
  const notModelled: string[] = [];
  const seen = new Set<string>();
  for (const t of templates) {
    const { crd, problem } = constraintCrdOf(t);
    if (!crd) {
      notModelled.push(`${ObjectIndex.id(t)}: ${problem}`);
      continue;
    }
    // Two templates of one kind: Gatekeeper keeps one CRD (the manifest validator reports the clash).
    if (seen.has(crd.metadata.name)) continue;
    seen.add(crd.metadata.name);
    crd.metadata.annotations = { [madeByKey]: owner };
    TEMPLATE_OF.set(crd, t);
    derived.push(crd);
  }
  return { derived, notModelled };
}
