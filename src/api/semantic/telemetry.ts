// Telemetry rules beyond its schema: one tracing configuration with one provider (what Istio
// supports today), custom tags with a value source, and non-empty provider names.
import { at, checkLabelsAt } from './common.ts';
import type { Report } from './report.ts';
import { list, type Obj, obj, str } from './values.ts';

export function checkTelemetry(report: Report, spec: Obj): void {
  checkLabelsAt(report, ['spec', 'selector', 'matchLabels'], obj(spec['selector'])?.['matchLabels']);
  const tracing = list(spec['tracing']);
  if (tracing.length > 1)
    report.error(['spec', 'tracing'], 'multiple tracing configurations are not supported');
  tracing.forEach((t, i) => {
    const entry = obj(t);
    if (!entry) return;
    const path = ['spec', 'tracing', i];
    if (list(entry['providers']).length > 1) {
      report.error([...path, 'providers'], 'multiple tracing providers are not supported');
    }
    // randomSamplingPercentage 0..100 is the schema's minimum and maximum.
    for (const [tag, value] of Object.entries(obj(entry['customTags']) ?? {})) {
      if (!obj(value) || Object.keys(obj(value) ?? {}).length === 0) {
        report.error(
          [...path, 'customTags', tag],
          `custom tag "${tag}" must set literal, environment, header or formatter`,
        );
      }
    }
  });
  for (const section of ['tracing', 'metrics', 'accessLogging']) {
    list(spec[section]).forEach((s, i) => {
      list(obj(s)?.['providers']).forEach((p, j) => {
        if (str(obj(p)?.['name']) === '') {
          at(report, ['spec', section, i, 'providers', j, 'name'], 'provider name must not be empty');
        }
      });
    });
  }
}
