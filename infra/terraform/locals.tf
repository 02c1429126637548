locals {
  # Deterministic suffix for the globally unique names (storage, vault, app).
  name_suffix = substr(sha1("${data.azurerm_client_config.current.subscription_id}/${var.name_prefix}"), 0, 6)

  resource_group_name  = "rg-${var.name_prefix}"
  storage_account_name = substr(replace("st${var.name_prefix}${local.name_suffix}", "-", ""), 0, 24)
  key_vault_name       = "kv-${var.name_prefix}-${local.name_suffix}"
  function_app_name    = "func-${var.name_prefix}-${local.name_suffix}"
  service_plan_name    = "asp-${var.name_prefix}"
  log_workspace_name   = "log-${var.name_prefix}"
  app_insights_name    = "appi-${var.name_prefix}"
  sender_app_name      = "${var.name_prefix}-graph-mailer-sender"
  api_app_name         = "${var.name_prefix}-graph-mailer-api"

  # Names the app expects (fixed by the application, not configurable here).
  outbox_queue_name      = "graph-mailer-outbox"
  poison_queue_name      = "graph-mailer-outbox-poison"
  deadletter_queue_name  = "graph-mailer-outbox-deadletter"
  ledger_table_name      = "GraphMailerLedger"
  deployment_container   = "app-package"
  attachments_container  = "mail-attachments"
  caller_app_role_value  = "GraphMailer.Send"
  caller_app_role_id     = "5c3b0d4e-2a4f-4f0e-9a52-6f3d1c7e8b21"
  sender_tenant_id       = data.azuread_client_config.current.tenant_id
  access_policy_mode     = var.mailbox_scoping_mode == "access_policy"
  smtp_enabled           = length(var.smtp_mailboxes) > 0
  self_signed_cert       = var.certificate_source == "self_signed"
  storage_blob_endpoint  = azurerm_storage_account.this.primary_blob_endpoint
  deployment_package_url = "${local.storage_blob_endpoint}${azurerm_storage_container.deployment.name}"

  # Well-known application ids and app role ids (Microsoft first-party apps).
  # The role ids are also looked up by value at plan time and cross-checked in
  # data.tf, so a typo here fails the plan instead of granting the wrong role.
  microsoft_graph_app_id  = "00000003-0000-0000-c000-000000000000"
  exchange_online_app_id  = "00000002-0000-0ff1-ce00-000000000000"
  graph_mail_send_id      = "b633e1c5-b582-4048-a93e-9f11b44c7e96"
  graph_mail_readwrite_id = "e2a3a72e-5f79-4c64-b1b1-878b674786c9"
  # Mail.ReadBasic (application): lets the queue's unknown-outcome policy verify search Sent Items by internetMessageId.
  graph_mail_readbasic_id = "6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a"

  # ---------------------------------------------------------------------------
  # Maximum instance count: follows load
  #
  # The mailbox budget (GRAPH_MAILER_BUDGET_*, README "Mailbox budgets") holds
  # Graph's and Exchange's per-mailbox limits (concurrent sends, messages per
  # minute, recipients per 24 hours, Graph requests per 10 minutes) across every
  # instance and trigger, so the instance count is no longer derived from a
  # per-process in-flight limit (it had to keep n * groups * in-flight <= 4,
  # i.e. one instance). It is a cost and load bound only.
  # ---------------------------------------------------------------------------
  maximum_instance_count = var.maximum_instance_count

  # Optional per-mailbox budget overrides; absent unless some are given.
  budget_app_settings = length(var.budget_overrides) == 0 ? {} : {
    GRAPH_MAILER_BUDGET_OVERRIDES = join(",", var.budget_overrides)
  }

  # ---------------------------------------------------------------------------
  # App settings: every GRAPH_MAILER_* setting the app requires for the graph
  # transport. infra/tests checks these keys against the settings table in the
  # repository README, so the two cannot drift apart.
  # ---------------------------------------------------------------------------
  graph_mailer_app_settings = {
    GRAPH_MAILER_ALLOWED_SENDERS                   = join(",", var.allowed_senders)
    GRAPH_MAILER_TRANSPORT                         = "graph"
    GRAPH_MAILER_TENANT_ID                         = local.sender_tenant_id
    GRAPH_MAILER_CLIENT_ID                         = azuread_application.sender.client_id
    GRAPH_MAILER_KEY_VAULT_URL                     = azurerm_key_vault.this.vault_uri
    GRAPH_MAILER_CERTIFICATE_NAME                  = var.certificate_name
    GRAPH_MAILER_CALLER_AUTH_MODE                  = var.caller_auth_mode
    GRAPH_MAILER_CALLER_AUTH_AUDIENCE              = azuread_application.api.client_id
    GRAPH_MAILER_CALLER_AUTH_REQUIRED_ROLE         = local.caller_app_role_value
    GRAPH_MAILER_QUEUE_MAX_IN_FLIGHT_PER_MAILBOX   = tostring(var.queue_max_in_flight_per_mailbox)
    GRAPH_MAILER_BUDGET_UNAVAILABLE_HTTP           = var.budget_unavailable_http
    GRAPH_MAILER_QUEUE_NAME                        = azurerm_storage_queue.outbox.name
    GRAPH_MAILER_QUEUE_DEAD_LETTER_NAME            = azurerm_storage_queue.deadletter.name
    GRAPH_MAILER_QUEUE_POISON_NAME                 = azurerm_storage_queue.poison.name
    GRAPH_MAILER_STORAGE_QUEUE_ENDPOINT            = azurerm_storage_account.this.primary_queue_endpoint
    GRAPH_MAILER_STORAGE_TABLE_ENDPOINT            = azurerm_storage_account.this.primary_table_endpoint
    GRAPH_MAILER_STORAGE_LEDGER_TABLE              = azurerm_storage_table.ledger.name
    GRAPH_MAILER_ATTACHMENTS_ALLOWED_BLOB_PREFIXES = "${local.storage_blob_endpoint}${azurerm_storage_container.attachments.name}/"
  }

  # Host storage through the app's managed identity: only the identity-based
  # settings (azure-functions-host reads AzureWebJobsStorage__* when no
  # AzureWebJobsStorage value exists). No AzureWebJobsStorage key at all: an
  # empty value is a connection string, not a placeholder, and breaks host
  # start-up since the host moved to .NET 10 (azure-functions-host 11787).
  # azurerm still adds its own key-less connection string under that name; see
  # terraform_data.remove_host_storage_connection_string in function.tf.
  host_storage_app_settings = {
    AzureWebJobsStorage__accountName = azurerm_storage_account.this.name
    AzureWebJobsStorage__credential  = "managedidentity"
  }

  function_app_settings = merge(var.extra_app_settings, local.host_storage_app_settings, local.graph_mailer_app_settings, local.budget_app_settings, local.delegated_app_settings)

  tags = merge(var.tags, {
    application = "graph-mailer"
  })
}
