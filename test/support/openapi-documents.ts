/** OpenAPI documents shared by the parser and renderer tests (test support, not used at run time). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every OpenAPI document under examples/acme, as [path, text]. */
export function acmeDefinitions(): [string, string][] {
  const root = join(import.meta.dirname, '..', '..', 'examples', 'acme');
  const out: [string, string][] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ya?ml|json)$/.test(name) && /^\s*["']?openapi["']?\s*:/m.test(readFileSync(path, 'utf8')))
        out.push([path, readFileSync(path, 'utf8')]);
    }
  };
  walk(root);
  return out;
}

export const ORDERS_30 = `openapi: 3.0.3
info:
  title: Orders API
  version: '1.2.0'
  description: Place and track **orders**.
servers:
  - url: https://api.example.com/v1
    description: Production
tags:
  - name: Orders
    description: Order lifecycle.
  - name: Admin
paths:
  /orders:
    get:
      tags: [Orders]
      operationId: listOrders
      summary: List orders
      parameters:
        - $ref: '#/components/parameters/Limit'
        - name: status
          in: query
          schema: { type: string, enum: [open, shipped] }
      responses:
        '200':
          description: Orders.
          headers:
            X-Total-Count:
              description: Total orders.
              schema: { type: integer }
          content:
            application/json:
              schema:
                type: array
                items: { $ref: '#/components/schemas/Order' }
  /orders/{orderId}:
    parameters:
      - name: orderId
        in: path
        required: true
        schema: { type: string }
      - name: verbose
        in: query
        schema: { type: boolean }
    get:
      tags: [Orders]
      operationId: getOrder
      parameters:
        - name: verbose
          in: query
          description: Include line items.
          schema: { type: boolean, default: false }
      responses:
        '200':
          description: The order.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Order' }
              examples:
                small:
                  summary: A small order
                  value: { id: ord_1, total: 1250 }
                fromComponents:
                  $ref: '#/components/examples/BigOrder'
        '404':
          $ref: '#/components/responses/NotFound'
    put:
      tags: [Orders]
      operationId: replaceOrder
      requestBody:
        required: true
        description: The new order.
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Order' }
            example: { id: ord_1, total: 99 }
      responses:
        '204': { description: Replaced. }
  /health:
    get:
      operationId: health
      responses:
        '200': { description: Alive. }
  /reports:
    get:
      tags: [Reports]
      operationId: listReports
      responses:
        '200': { description: Reports. }
components:
  parameters:
    Limit:
      name: limit
      in: query
      schema: { type: integer, minimum: 1, maximum: 100, exclusiveMinimum: true, default: 20 }
  responses:
    NotFound:
      description: Not found.
      content:
        application/problem+json:
          schema: { $ref: '#/components/schemas/Problem' }
  examples:
    BigOrder:
      summary: A big order
      value: { id: ord_2, total: 999999 }
  schemas:
    Order:
      type: object
      required: [id]
      properties:
        id: { type: string, readOnly: true }
        total: { type: integer, description: Minor units. }
        note: { type: string, nullable: true, maxLength: 200 }
    Problem:
      type: object
      properties:
        title: { type: string }
    Base:
      type: object
      required: [id]
      properties: { id: { type: string } }
    Extended:
      description: Base with more.
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          required: [extra]
          properties: { extra: { type: integer } }
    Mixed:
      allOf:
        - $ref: '#/components/schemas/Base'
        - oneOf: [{ type: string }, { type: integer }]
    Pet:
      oneOf:
        - $ref: '#/components/schemas/Order'
        - $ref: '#/components/schemas/Problem'
      discriminator: { propertyName: kind }
`;

export const EVENTS_31 = `openapi: 3.1.0
info: { title: Events, version: 2.0.0 }
paths:
  /events:
    get:
      operationId: listEvents
      responses:
        '200':
          description: Events.
          content:
            application/json:
              schema:
                type: array
                items: { $ref: '#/components/schemas/Event' }
webhooks:
  eventCreated:
    post:
      operationId: onEventCreated
      requestBody:
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Event' }
      responses:
        '200': { description: Acknowledged. }
components:
  schemas:
    Event:
      type: object
      properties:
        id: { type: string, examples: [evt_1] }
        location: { type: [string, 'null'] }
        nothing: { type: 'null' }
        score: { type: number, exclusiveMinimum: 0, exclusiveMaximum: 10 }
        kind: { const: created }
        source:
          $ref: '#/components/schemas/Source'
          description: Where the event came from.
          deprecated: true
    Source:
      type: string
      description: The source system.
`;

export const PETS_SWAGGER_20 = `swagger: '2.0'
info: { title: Legacy Pets, version: 1.0.0 }
host: pets.example.com
basePath: /v1
schemes: [https]
consumes: [application/json]
produces: [application/json]
paths:
  /pets:
    get:
      tags: [pets]
      operationId: listPets
      parameters:
        - { name: limit, in: query, type: integer, format: int32, maximum: 100, description: How many. }
        - $ref: '#/parameters/Tenant'
      responses:
        200:
          description: Pets.
          headers:
            X-Next: { type: string, description: Next page. }
          schema:
            type: array
            items: { $ref: '#/definitions/Pet' }
          examples:
            application/json: [{ id: 1, name: Rex }]
    post:
      tags: [pets]
      operationId: createPet
      parameters:
        - { name: pet, in: body, required: true, schema: { $ref: '#/definitions/Pet' } }
      responses:
        201: { description: Created. }
  /pets/{id}/photo:
    post:
      operationId: uploadPhoto
      consumes: [multipart/form-data]
      parameters:
        - { name: id, in: path, required: true, type: integer }
        - { name: file, in: formData, type: file, required: true, description: The photo. }
        - { name: caption, in: formData, type: string }
      responses:
        200: { description: Uploaded. }
parameters:
  Tenant: { name: X-Tenant, in: header, type: string, required: true }
definitions:
  Pet:
    type: object
    required: [name]
    properties:
      id: { type: integer, format: int64 }
      name: { type: string }
      tag: { type: string, x-nullable: true }
`;

export const SUNSET_30 = `openapi: 3.0.3
info: { title: Things, version: '3' }
paths:
  /v1/things:
    deprecated: true
    x-sunset: '2026-12-31'
    get:
      operationId: listThingsV1
      responses: { '200': { description: OK } }
    post:
      operationId: createThingV1
      x-sunset: 2026-06-30
      responses: { '201': { description: Created } }
  /v2/things:
    get:
      operationId: listThings
      parameters:
        - name: page
          in: query
          deprecated: true
          x-sunset: 2026-01-01
          schema: { type: integer }
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Thing' }
components:
  schemas:
    Thing:
      type: object
      properties:
        legacyId: { type: string, deprecated: true, x-sunset: 2026-03-31 }
        name: { type: string }
`;

export const CYCLES_30 = `openapi: 3.0.3
info: { title: Trees, version: '1' }
paths:
  /nodes/{id}:
    get:
      operationId: getNode
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - $ref: 'https://example.com/common.yaml#/parameters/Tenant'
      responses:
        '200':
          description: A node.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Node' }
components:
  schemas:
    Node:
      type: object
      properties:
        name: { type: string }
        children: { type: array, items: { $ref: '#/components/schemas/Node' } }
        owner: { $ref: '#/components/schemas/Person' }
    Person:
      type: object
      properties:
        manager: { $ref: '#/components/schemas/Person' }
        favourite: { $ref: '#/components/schemas/Node' }
    Loop: { $ref: '#/components/schemas/Loop2' }
    Loop2: { $ref: '#/components/schemas/Loop' }
    SelfAll: { allOf: [{ $ref: '#/components/schemas/SelfAll' }] }
    Remote: { $ref: 'https://schemas.example.com/common.yaml#/Money' }
    Sibling: { $ref: 'common.yaml#/components/schemas/Address' }
    Missing: { $ref: '#/components/schemas/DoesNotExist' }
    Escaped: { $ref: '#/components/schemas/a~1b~0c' }
    a/b~c: { type: string, description: Slash and tilde. }
    Percent: { $ref: '#/components/schemas/with%20space' }
    with space: { type: integer }
`;
