// Microsoft's Graph JavaScript SDK (3.x) pointed at graph-mailer, configured as the README's "Using a Graph SDK" says.
// Run by GraphJsSdkContractTest (Java), which starts the app and passes: GRAPH_MAILER_APP (the app's http URL),
// GRAPH_MAILER_TOKEN (a caller token), GRAPH_MAILER_TLS_PEM (key and certificate for localhost) and NODE_EXTRA_CA_CERTS.
// The SDK attaches the token only over https and only to hosts in customHosts, so this test puts an https front
// (on 127.0.0.1) before the app, as the Functions host's https endpoint is in production.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import https from "node:https";
import http from "node:http";
import graph from "@microsoft/microsoft-graph-client";

const { Client, GraphError } = graph;
const app = new URL(process.env.GRAPH_MAILER_APP);
const token = process.env.GRAPH_MAILER_TOKEN;
const pem = readFileSync(process.env.GRAPH_MAILER_TLS_PEM, "utf8");
const MAILBOX = "noreply@contoso.example";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let front;
let httpsBase;

before(async () => {
  front = https.createServer({ key: pem, cert: pem }, (req, res) => {
    const upstream = http.request(
      { host: app.hostname, port: app.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (e) => res.destroy(e));
    req.pipe(upstream);
  });
  await new Promise((resolve) => front.listen(0, "127.0.0.1", resolve));
  httpsBase = `https://localhost:${front.address().port}/api`;
});

after(() => new Promise((resolve) => front.close(resolve)));

function client(baseUrl, customHosts = new Set(["localhost"])) {
  return Client.initWithMiddleware({
    baseUrl,
    customHosts,
    authProvider: { getAccessToken: async () => token },
  });
}

const recipient = (address) => ({ emailAddress: { address } });

// Graph's documented examples
const lunch = {
  message: {
    subject: "Meet for lunch?",
    body: { contentType: "Text", content: "The new cafeteria is open." },
    toRecipients: [recipient("frannis@contoso.com")],
    ccRecipients: [recipient("danas@contoso.com")],
  },
  saveToSentItems: "false",
};
const withAttachment = {
  message: {
    subject: "Meet for lunch?",
    body: { contentType: "Text", content: "The new cafeteria is open." },
    toRecipients: [recipient("meganb@contoso.com")],
    attachments: [{
      "@odata.type": "#microsoft.graph.fileAttachment",
      name: "attachment.txt",
      contentType: "text/plain",
      contentBytes: "SGVsbG8gV29ybGQh",
    }],
  },
};
const withHeaders = {
  message: {
    subject: "9/9/2018: concert",
    body: { contentType: "HTML", content: "The group represents Nevada." },
    toRecipients: [recipient("AlexW@contoso.com")],
    internetMessageHeaders: [
      { name: "x-custom-header-group-name", value: "Nevada" },
      { name: "x-custom-header-group-id", value: "NV001" },
    ],
  },
};

test("Graph's examples are sent through /api/v1.0 (the SDK's default version) and /api/beta", async () => {
  const c = client(httpsBase);
  for (const body of [lunch, withAttachment, withHeaders]) {
    const answer = await c.api(`/users/${MAILBOX}/sendMail`).post(body);
    assert.equal(answer.status, "accepted");
    assert.match(answer.trackingId, GUID);
  }
  const beta = await c.api(`/users/${MAILBOX}/sendMail`).version("beta").post(lunch);
  assert.equal(beta.status, "accepted");
});

test("a refusal is a GraphError with graph-mailer's status, code, message and request id", async () => {
  const noRecipients = { message: { subject: "s", body: { contentType: "Text", content: "c" } } };
  await assert.rejects(client(httpsBase).api(`/users/${MAILBOX}/sendMail`).post(noRecipients), (e) => {
    assert.ok(e instanceof GraphError, String(e));
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, "ErrorInvalidRequest");
    assert.equal(e.message, "message.toRecipients at least one recipient (to, cc or bcc) is required");
    assert.match(e.requestId, GUID);
    assert.equal(e.headers.get("request-id"), e.requestId);
    return true;
  });
  await assert.rejects(client(httpsBase).api("/users/ceo@contoso.example/sendMail").post(lunch), (e) => {
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "ErrorAccessDenied");
    assert.match(e.message, /ceo@contoso\.example/);
    return true;
  });
});

test("over http, or to a host not in customHosts, the SDK sends no token: graph-mailer answers 401", async () => {
  for (const c of [client(`${app.origin}/api`), client(httpsBase, new Set(["graph-mailer.contoso.example"]))]) {
    await assert.rejects(c.api(`/users/${MAILBOX}/sendMail`).post(lunch), (e) => {
      assert.equal(e.statusCode, 401);
      assert.equal(e.code, "InvalidAuthenticationToken");
      return true;
    });
  }
});

test("five messages from one client get five tracking ids", async () => {
  const c = client(httpsBase);
  const ids = new Set();
  for (let i = 0; i < 5; i++) {
    ids.add((await c.api(`/users/${MAILBOX}/sendMail`).post(lunch)).trackingId);
  }
  assert.equal(ids.size, 5);
});
