import { IngressGateway } from '../../src/mesh';
import { synthChart } from '../util';
import { expectValidationError } from './fixtures';

describe('IngressGateway: duplicate hosts (issue 17)', () => {
  test('a host twice is refused, not merged silently', () => {
    expectValidationError(() => synthChart((chart) => new IngressGateway(chart, 'Gateway', {
      hosts: ['llm.example.com', 'api.example.com', 'llm.example.com'], credentialName: 'llm-tls', externalCredential: true,
    })), ["'hosts' lists 'llm.example.com' twice", 'got ["llm.example.com","api.example.com","llm.example.com"]', '; list each host once']);
  });
});
