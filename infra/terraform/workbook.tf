# The operators' picture of graph-mailer in Application Insights: sends over time by outcome, failures by error code,
# throttles and waits, sends per mailbox against its budget, and mail kept aside (dead-letter and poison) with the
# operators' replays and purges; then the traces: requests and outbound calls. The queries use only the metric and
# attribute names the app emits (adapter/out/telemetry/OtelTelemetry.java) and only the tables its exporter fills
# (adapter/out/telemetry/TrackEnvelopes.java: metrics in customMetrics, attributes in customDimensions, spans in
# requests and dependencies); infra/tests/workbook.test.mjs compares both. Counters arrive as one row per export
# interval and attribute set, holding that interval's increase: sum(valueSum) counts events, valueCount counts rows
# (for the retry_after histogram, the waits).
locals {
  workbook_queries = {
    sends_by_outcome    = <<-KQL
      customMetrics
      | where name == "graph_mailer.sends"
      | extend outcome = tostring(customDimensions["graph_mailer.outcome"])
      | summarize sends = sum(valueSum) by outcome, bin(timestamp, 5m)
      | render timechart
    KQL
    failures_by_code    = <<-KQL
      customMetrics
      | where name == "graph_mailer.sends"
      | extend outcome = tostring(customDimensions["graph_mailer.outcome"]), code = tostring(customDimensions["graph_mailer.error_code"])
      | where outcome != "sent"
      | summarize failures = sum(valueSum) by code, outcome
      | order by failures desc
    KQL
    throttles_and_waits = <<-KQL
      customMetrics
      | where name in ("graph_mailer.throttles", "graph_mailer.limit_waits", "graph_mailer.retry_after")
      | extend mailbox = tostring(customDimensions["graph_mailer.mailbox"]), limit = tostring(customDimensions["graph_mailer.limit"])
      | extend events = iff(name == "graph_mailer.retry_after", valueCount, valueSum)
      | summarize events = sum(events), seconds_asked = sumif(valueSum, name == "graph_mailer.retry_after") by name, bin(timestamp, 5m)
      | render timechart
    KQL
    quota_per_mailbox   = <<-KQL
      customMetrics
      | where timestamp > ago(24h) and name == "graph_mailer.sends"
      | extend mailbox = tostring(customDimensions["graph_mailer.mailbox"]), outcome = tostring(customDimensions["graph_mailer.outcome"])
      | where outcome == "sent"
      | summarize sent_24h = sum(valueSum), busiest_minute = max(valueSum) by mailbox
      | order by sent_24h desc
    KQL
    dead_letter_backlog = <<-KQL
      customMetrics
      | where name in ("graph_mailer.queue.outcomes", "graph_mailer.deadletter.actions")
      | extend outcome = tostring(customDimensions["graph_mailer.outcome"])
      | where name == "graph_mailer.deadletter.actions" or outcome in ("dead-lettered", "poisoned", "parked")
      | extend change = iff(name == "graph_mailer.deadletter.actions", -valueSum, valueSum)
      | summarize change = sum(change) by bin(timestamp, 1h)
      | order by timestamp asc
      | extend backlog = row_cumsum(change)
      | render timechart
    KQL
    unknown_outcomes    = <<-KQL
      customMetrics
      | where name == "graph_mailer.unknown_outcomes"
      | extend result = tostring(customDimensions["graph_mailer.result"])
      | summarize count = sum(valueSum) by result, bin(timestamp, 1h)
    KQL
    requests_by_trigger = <<-KQL
      requests
      | summarize calls = count(), failed = countif(success == false), p95_ms = percentile(duration, 95) by name, resultCode
      | order by calls desc
    KQL
    outbound_calls      = <<-KQL
      dependencies
      | summarize calls = count(), failed = countif(success == false), p95_ms = percentile(duration, 95) by type, target, name
      | order by failed desc, calls desc
    KQL
    recent_sends        = <<-KQL
      requests
      | extend tracking_id = tostring(customDimensions["graph_mailer.tracking_id"]), invocation_id = tostring(customDimensions["faas.invocation_id"])
      | where isnotempty(tracking_id)
      | project timestamp, tracking_id, invocation_id, name, resultCode, duration, operation_Id
      | order by timestamp desc
      | take 100
    KQL
    graph_retries       = <<-KQL
      customMetrics
      | where name in ("graph_mailer.graph.throttles", "graph_mailer.graph.retry_after")
      | extend mailbox = tostring(customDimensions["graph_mailer.mailbox"]), status = tostring(customDimensions["http.response.status_code"])
      | summarize throttled_answers = sumif(valueSum, name == "graph_mailer.graph.throttles"),
                  retry_after_seconds = sumif(valueSum, name == "graph_mailer.graph.retry_after"),
                  longest_retry_after = maxif(valueMax, name == "graph_mailer.graph.retry_after") by mailbox, bin(timestamp, 1h)
      | order by timestamp desc, throttled_answers desc
    KQL
    queue_message_age   = <<-KQL
      customMetrics
      | where name == "graph_mailer.queue.message_age"
      | extend mailbox = tostring(customDimensions["graph_mailer.mailbox"])
      | summarize average_seconds = sum(valueSum) / sum(valueCount), oldest_seconds = max(valueMax) by mailbox, bin(timestamp, 5m)
      | render timechart
    KQL
    token_refreshes     = <<-KQL
      customMetrics
      | where name == "graph_mailer.token.refreshes"
      | extend kind = tostring(customDimensions["graph_mailer.token.kind"]), source = tostring(customDimensions["graph_mailer.token.source"]),
               outcome = tostring(customDimensions["graph_mailer.outcome"]), code = tostring(customDimensions["graph_mailer.error_code"])
      | summarize tokens = sum(valueSum) by kind, source, outcome, code, bin(timestamp, 1h)
    KQL
    certificate_expiry  = <<-KQL
      customMetrics
      | where name == "graph_mailer.certificate.days_to_expiry"
      | summarize days_to_expiry = min(valueSum) by bin(timestamp, 1h)
      | render timechart
    KQL
  }

  workbook_titles = {
    sends_by_outcome    = "Sends over time by outcome"
    failures_by_code    = "Failures by error code"
    throttles_and_waits = "Throttles, Retry-After waits and waits for a mailbox limit"
    quota_per_mailbox   = "Sends per mailbox, last 24 hours"
    dead_letter_backlog = "Dead-letter and poison backlog (kept minus replayed and purged)"
    unknown_outcomes    = "Unknown outcomes and how they were resolved"
    requests_by_trigger = "Requests and invocations: calls, failures, 95th percentile duration"
    outbound_calls      = "Outbound calls (Graph, identity platform, Key Vault, SMTP, storage) by type and target"
    recent_sends        = "Recent sends by tracking id and Functions invocation id (join on operation_Id for the trace)"
    graph_retries       = "Throttles inside the Graph client's own retries and the Retry-After asked, per mailbox"
    queue_message_age   = "Queue message age when processing began"
    token_refreshes     = "Tokens by kind (app-only, delegated), source (cache, network) and failures by code"
    certificate_expiry  = "Days until the signing certificate expires"
  }
}

resource "azurerm_application_insights_workbook" "operations" {
  name                = uuidv5("url", "graph-mailer/${local.app_insights_name}/operations-workbook")
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  display_name        = "graph-mailer operations"
  source_id           = lower(azurerm_application_insights.this.id)
  category            = "workbook"
  tags                = local.tags
  data_json = jsonencode({
    version = "Notebook/1.0"
    items = [for key, query in local.workbook_queries : {
      type = 3
      name = key
      content = {
        version      = "KqlItem/1.0"
        title        = local.workbook_titles[key]
        query        = query
        size         = 0
        timeContext  = { durationMs = 86400000 }
        queryType    = 0
        resourceType = "microsoft.insights/components"
      }
    }]
    fallbackResourceIds = [lower(azurerm_application_insights.this.id)]
  })
}
