// The API reference page: drawn from /openapi.json by this file (served here: nothing fetched from elsewhere).
"use strict";

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function schemaName(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.type === "array") return "[" + schemaName(schema.items) + "]";
  if (schema.title) return schema.title;
  return schema.type || "";
}

function drawOperation(path, method, op) {
  const section = element("section", undefined, "operation");
  section.id = (method + path).replace(/[^a-z0-9]+/gi, "-");
  section.appendChild(element("h2", method.toUpperCase() + " " + path));
  if (op.summary) section.appendChild(element("p", op.summary));
  if (op.description) section.appendChild(element("p", op.description, "help"));
  const params = op.parameters || [];
  if (params.length) {
    const table = element("table");
    const head = table.createTHead().insertRow();
    for (const title of ["paramètre / parameter", "où / in", "type", "description"]) head.appendChild(element("th", title));
    const body = table.createTBody();
    for (const p of params) {
      const row = body.insertRow();
      row.insertCell().textContent = p.name + (p.required ? " *" : "");
      row.insertCell().textContent = p.in;
      row.insertCell().textContent = schemaName(p.schema) || (p.schema && p.schema.anyOf ? p.schema.anyOf.map(schemaName).join(" | ") : "");
      row.insertCell().textContent = p.description || "";
    }
    section.appendChild(table);
  }
  if (op.requestBody) {
    const types = Object.keys(op.requestBody.content || {});
    section.appendChild(element("p", "Body: " + types.join(", ")));
  }
  const list = element("ul");
  for (const [status, answer] of Object.entries(op.responses || {})) {
    const content = answer.content && answer.content["application/json"];
    list.appendChild(element("li", status + " — " + (answer.description || "") + (content ? " (" + schemaName(content.schema) + ")" : "")));
  }
  section.appendChild(list);
  return section;
}

function drawSchemas(spec) {
  const section = element("section");
  section.appendChild(element("h2", "Schemas"));
  for (const [name, schema] of Object.entries((spec.components || {}).schemas || {})) {
    const details = element("details");
    details.appendChild(element("summary", name));
    const table = element("table");
    const body = table.createTBody();
    const required = new Set(schema.required || []);
    for (const [field, s] of Object.entries(schema.properties || {})) {
      const row = body.insertRow();
      row.insertCell().textContent = field + (required.has(field) ? " *" : "");
      row.insertCell().textContent = schemaName(s) || (s.anyOf ? s.anyOf.map(schemaName).join(" | ") : (s.enum || []).join(" | "));
      row.insertCell().textContent = s.description || "";
    }
    details.appendChild(table);
    section.appendChild(details);
  }
  return section;
}

document.addEventListener("DOMContentLoaded", async () => {
  const target = document.getElementById("routes");
  const answer = await fetch(target.dataset.spec);
  const spec = await answer.json();
  target.replaceChildren();
  target.appendChild(element("p", spec.info.title + " " + spec.info.version + " — " + spec.info.description));
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(operations)) target.appendChild(drawOperation(path, method, op));
  }
  target.appendChild(drawSchemas(spec));
});
