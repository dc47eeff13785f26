import { PinoLogger } from 'nestjs-pino';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import { createAppLogger } from './app-logger';
import { NestLogger } from './nest-logger';

describe('NestLogger', () => {
  it('keeps Nest’s per-module and per-route boot lines at debug, and the rest as they were', () => {
    const lines: string[] = [];
    const logger = createAppLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(line) });
    __resetOutOfContextForTests();
    const nest = new NestLogger(new PinoLogger({ pinoHttp: { logger } }), {});
    nest.log('Mapped {/health/live, GET} route', 'RouterExplorer');
    nest.log('HealthModule dependencies initialized', 'InstanceLoader');
    nest.log('Nest application successfully started', 'NestApplication');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['Nest application successfully started']);
  });
});
