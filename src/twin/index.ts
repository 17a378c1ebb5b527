// The platform twin (docs/DESIGN.md section 7): checks synthesized objects as the cluster will live them.
export * from './platform-twin';
export * from './platform-twin-report';
