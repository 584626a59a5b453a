import { producersByHostText } from './producers.js';

describe('producersByHostText', () => {
  it('names each host with its producer count, hosts sorted', () => {
    expect(producersByHostText({ '10.0.0.3': 1, '10.0.0.2': 3 })).toBe(
      '2 hosts: 10.0.0.2 ×3, 10.0.0.3 ×1'
    );
    expect(producersByHostText({ 'node-7': 2 })).toBe('1 host: node-7 ×2');
  });

  it('is empty without remote producers', () => {
    expect(producersByHostText({})).toBe('');
  });
});
