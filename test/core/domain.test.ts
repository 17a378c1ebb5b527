import { Duration } from 'cdk8s';
import { GpuInstanceType, GpuPool } from '../../src/core';
import { wholeSeconds } from '../../src/core/private/durations';
import { gitUrlProblem, urlProblem } from '../../src/core/private/urls';

describe('GpuPool.fromAttributes: extra node labels (issue 17)', () => {
  test('a label key or value outside the Kubernetes syntax is refused', () => {
    expect(() => GpuPool.fromAttributes({ poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], extraLabels: { 'team/': 'x' } }))
      .toThrow("'extraLabels.team/' is not a valid label key, got 'team/'; use an optional DNS-1123 prefix and '/', then at most 63 letters, digits, '-', '_' or '.'");
    expect(() => GpuPool.fromAttributes({ poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], extraLabels: { team: 'x\ny' } }))
      .toThrow(/'extraLabels.team' is not a valid label value/);
    expect(GpuPool.fromAttributes({ poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], extraLabels: { 'example.com/team': 'search' } }).nodeLabels['example.com/team']).toBe('search');
  });
});

describe('URL checks (issue 17)', () => {
  test.each([
    ['https://x.example.com/p', undefined],
    ['https:///x', 'must be an absolute https URL with a host'],
    ['https://', 'must be an absolute https URL'],
    ['http://x.example.com', 'must be an absolute https URL'],
    ['https://x.example.com/a b', 'must be an absolute https URL without spaces or control characters'],
    ['https://x.example.com/${y}', 'must be an absolute https URL without a Terraform interpolation (${ or %{)'],
    [42, 'must be an absolute https URL'],
  ])('urlProblem(%j)', (value, problem) => {
    expect(urlProblem(value, ['https:'])).toBe(problem);
  });

  test.each([
    ['git@github.com:acme/x.git', undefined],
    ['ssh://git@host/acme/x.git', undefined],
    ['git@github.com/acme', "must be a clone URL ('git@<host>:<path>' has a host, ':' and a path)"],
    ['file:///repo', 'must be an https or ssh clone URL'],
  ])('gitUrlProblem(%j)', (value, problem) => {
    expect(gitUrlProblem(value)).toBe(problem);
  });
});

describe('wholeSeconds (issue 17)', () => {
  test('whole seconds in range pass; fractions, out of range and non-durations are ValidationErrors', () => {
    expect(wholeSeconds('d', Duration.minutes(2), 0, 3600, 'fix')).toBe(120);
    expect(() => wholeSeconds('d', Duration.millis(1500), 0, 3600, 'fix')).toThrow("'d' must be a whole number of seconds, got '1.5s'; fix");
    expect(() => wholeSeconds('d', Duration.hours(2), 0, 3600, 'fix')).toThrow("'d' must be between 0 and 3600 seconds, got '7200s'; fix");
    expect(() => wholeSeconds('d', 90 as any, 0, 3600, 'fix')).toThrow("'d' must be a whole number of seconds, got 90; fix");
  });
});
