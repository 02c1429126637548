# ---------------------------------------------------------------------------
# The sender: the app registration graph-mailer authenticates as (client
# credentials with the Key Vault certificate) when it calls Microsoft Graph or
# Exchange Online SMTP. What it may send is decided in scoping.tf and by the
# Exchange script, never here.
# ---------------------------------------------------------------------------

data "azuread_service_principal" "microsoft_graph" {
  client_id = local.microsoft_graph_app_id

  lifecycle {
    postcondition {
      condition     = self.app_role_ids["Mail.Send"] == local.graph_mail_send_id && self.app_role_ids["Mail.ReadWrite"] == local.graph_mail_readwrite_id && self.app_role_ids["Mail.ReadBasic"] == local.graph_mail_readbasic_id
      error_message = "The Mail.Send / Mail.ReadWrite / Mail.ReadBasic app role ids of Microsoft Graph differ from the ids this configuration expects."
    }
  }
}

data "azuread_service_principal" "exchange_online" {
  count = local.smtp_enabled ? 1 : 0

  client_id = local.exchange_online_app_id
}

resource "azuread_application" "sender" {
  display_name     = local.sender_app_name
  sign_in_audience = "AzureADMyOrg"
  owners           = [data.azuread_client_config.current.object_id]
  notes            = "graph-mailer: sends mail as the mailboxes it is scoped to (${var.mailbox_scoping_mode})."

  # Declares (for the portal's consent view) the tenant-wide Graph permissions
  # that access_policy mode grants; exchange_rbac mode declares none.
  dynamic "required_resource_access" {
    for_each = local.access_policy_mode ? [local.microsoft_graph_app_id] : []

    content {
      resource_app_id = required_resource_access.value

      resource_access {
        id   = local.graph_mail_send_id
        type = "Role"
      }

      resource_access {
        id   = local.graph_mail_readbasic_id
        type = "Role"
      }

      dynamic "resource_access" {
        for_each = var.enable_large_attachments ? [local.graph_mail_readwrite_id] : []

        content {
          id   = resource_access.value
          type = "Role"
        }
      }
    }
  }

  dynamic "required_resource_access" {
    for_each = local.smtp_enabled ? [local.exchange_online_app_id] : []

    content {
      resource_app_id = required_resource_access.value

      resource_access {
        id   = one(data.azuread_service_principal.exchange_online[*].app_role_ids["SMTP.SendAsApp"])
        type = "Role"
      }
    }
  }
}

resource "azuread_service_principal" "sender" {
  client_id                    = azuread_application.sender.client_id
  app_role_assignment_required = true
  owners                       = [data.azuread_client_config.current.object_id]
}

# The public half of the Key Vault certificate is the app's only credential.
# When Key Vault renews the certificate, the next apply sees a new thumbprint
# and adds the new credential before it removes the old one.
resource "azuread_application_certificate" "sender" {
  application_id = azuread_application.sender.id
  type           = "AsymmetricX509Cert"
  encoding       = "hex"
  value          = local.certificate_data
  start_date     = local.certificate_not_before
  end_date       = local.certificate_expires

  lifecycle {
    create_before_destroy = true
  }
}

# ---------------------------------------------------------------------------
# The API: the app registration callers request tokens for. graph-mailer
# checks aud = this app's client id, iss = the tenant's v2.0 issuer and the
# GraphMailer.Send app role.
# ---------------------------------------------------------------------------

resource "azuread_application" "api" {
  display_name     = local.api_app_name
  sign_in_audience = "AzureADMyOrg"
  owners           = [data.azuread_client_config.current.object_id]
  notes            = "graph-mailer: the API callers get tokens for; assign GraphMailer.Send to callers."

  api {
    # v2 tokens: iss is https://login.microsoftonline.com/{tenant}/v2.0 and aud
    # is the client id, which is what graph-mailer expects by default.
    requested_access_token_version = 2
  }

  app_role {
    id                   = local.caller_app_role_id
    value                = local.caller_app_role_value
    display_name         = "Send mail through graph-mailer"
    description          = "Allows the calling application to submit mail to graph-mailer."
    allowed_member_types = ["Application"]
    enabled              = true
  }

  # Operators' applications: read every app's delivery log (/api/sends) and act
  # on dead-lettered mail. Without GraphMailer.Send it cannot send.
  app_role {
    id                   = local.admin_app_role_id
    value                = local.admin_app_role_value
    display_name         = "Operate graph-mailer"
    description          = "Allows the calling application to read every application's delivery records and to operate dead-lettered mail."
    allowed_member_types = ["Application"]
    enabled              = true
  }

  # The identifier URI is managed below (it needs the client id).
  lifecycle {
    ignore_changes = [identifier_uris]
  }
}

resource "azuread_application_identifier_uri" "api" {
  application_id = azuread_application.api.id
  identifier_uri = "api://${azuread_application.api.client_id}"
}

resource "azuread_service_principal" "api" {
  client_id = azuread_application.api.client_id
  # Only callers that were assigned GraphMailer.Send can get a token at all.
  app_role_assignment_required = true
  owners                       = [data.azuread_client_config.current.object_id]
}

# GraphMailer.Admin (README "Delivery log"): kept beside the resources that use it.
locals {
  admin_app_role_value = "GraphMailer.Admin"
  admin_app_role_id    = "8d2f6a1c-4b7e-4c3a-9e15-2a6b0f9d7c34"
}

variable "admin_principal_object_ids" {
  description = "Object ids of the service principals (or managed identities) of operators' applications; each is assigned the GraphMailer.Admin app role (every app's delivery records, dead-letter operations; no sending)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.admin_principal_object_ids : can(regex("^[0-9a-fA-F-]{36}$", id))])
    error_message = "admin_principal_object_ids must be object id GUIDs."
  }
}

resource "azuread_app_role_assignment" "admins" {
  for_each = toset(var.admin_principal_object_ids)

  app_role_id         = local.admin_app_role_id
  principal_object_id = each.value
  resource_object_id  = azuread_service_principal.api.object_id
}

resource "azuread_app_role_assignment" "callers" {
  for_each = toset(var.caller_principal_object_ids)

  app_role_id         = local.caller_app_role_id
  principal_object_id = each.value
  resource_object_id  = azuread_service_principal.api.object_id
}
