# ---------------------------------------------------------------------------
# Mailbox scoping. Grants add up: a tenant-wide Entra grant of Graph Mail.Send
# would let the app send as ANY mailbox, whatever Exchange RBAC says. So:
#
#   exchange_rbac  - nothing is granted on Microsoft Graph in Entra ID. Exchange
#                    RBAC for Applications ("Application Mail.Send" on a
#                    management scope) is the only grant: infra/exchange.
#   access_policy  - Graph Mail.Send and Mail.ReadBasic (and Mail.ReadWrite when
#                    large attachments are on) are granted tenant-wide here, and an Exchange
#                    Application Access Policy narrows it to one mail-enabled
#                    security group: infra/exchange.
#
# Every Graph grant below is counted on access_policy mode only, so the two
# modes can never be in force together.
# ---------------------------------------------------------------------------

resource "azuread_app_role_assignment" "graph_mail_send" {
  count = local.access_policy_mode ? 1 : 0

  app_role_id         = data.azuread_service_principal.microsoft_graph.app_role_ids["Mail.Send"]
  principal_object_id = azuread_service_principal.sender.object_id
  resource_object_id  = data.azuread_service_principal.microsoft_graph.object_id
}

# Mail.ReadBasic: the queue's default unknown-outcome policy (verify) searches Sent
# Items by internetMessageId; the least permission that can (no bodies, no
# attachments, no extended properties).
resource "azuread_app_role_assignment" "graph_mail_readbasic" {
  count = local.access_policy_mode ? 1 : 0

  app_role_id         = data.azuread_service_principal.microsoft_graph.app_role_ids["Mail.ReadBasic"]
  principal_object_id = azuread_service_principal.sender.object_id
  resource_object_id  = data.azuread_service_principal.microsoft_graph.object_id
}

resource "azuread_app_role_assignment" "graph_mail_readwrite" {
  count = local.access_policy_mode && var.enable_large_attachments ? 1 : 0

  app_role_id         = data.azuread_service_principal.microsoft_graph.app_role_ids["Mail.ReadWrite"]
  principal_object_id = azuread_service_principal.sender.object_id
  resource_object_id  = data.azuread_service_principal.microsoft_graph.object_id
}

# SMTP AUTH (XOAUTH2) tokens for Exchange Online carry SMTP.SendAsApp. On its own
# it reaches no mailbox: Exchange still requires the per-mailbox (or RBAC
# scoped) grant that the Exchange script makes, in either mode.
resource "azuread_app_role_assignment" "exchange_smtp_send_as_app" {
  count = local.smtp_enabled ? 1 : 0

  app_role_id         = one(data.azuread_service_principal.exchange_online[*].app_role_ids["SMTP.SendAsApp"])
  principal_object_id = azuread_service_principal.sender.object_id
  resource_object_id  = one(data.azuread_service_principal.exchange_online[*].object_id)
}
