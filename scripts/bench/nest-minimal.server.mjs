// Reference for (a): the framework alone. A Nest app on Fastify with one POST route that reads
// the JSON body and answers JSON: no auth, validation, database or signing. Whatever (a) does
// per request comes on top of this, so (a) cannot be faster than it on the same machine.
import 'reflect-metadata';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

class UploadsController {
  create(body) {
    return { size: body.size };
  }
}
// Plain JavaScript has no decorator syntax here: apply them as TypeScript's output would.
Controller('v1/uploads')(UploadsController);
Post()(UploadsController.prototype, 'create', Object.getOwnPropertyDescriptor(UploadsController.prototype, 'create'));
Body()(UploadsController.prototype, 'create', 0);
Reflect.defineMetadata('design:paramtypes', [Object], UploadsController.prototype, 'create');

class AppModule {}
Module({ controllers: [UploadsController] })(AppModule);

const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
await app.listen(Number(process.env.PORT), '127.0.0.1');
