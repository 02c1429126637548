# ---------------------------------------------------------------------------
# Where and what to call things
# ---------------------------------------------------------------------------

variable "subscription_id" {
  description = "Azure subscription to deploy into. null uses ARM_SUBSCRIPTION_ID from the environment."
  type        = string
  default     = null

  validation {
    condition     = var.subscription_id == null || can(regex("^[0-9a-fA-F-]{36}$", var.subscription_id))
    error_message = "subscription_id must be a subscription GUID (or null to use ARM_SUBSCRIPTION_ID)."
  }
}

variable "tenant_id" {
  description = "Entra tenant for the app registrations. null uses the tenant of the signed-in Azure CLI account or ARM_TENANT_ID."
  type        = string
  default     = null

  validation {
    condition     = var.tenant_id == null || can(regex("^[0-9a-fA-F-]{36}$", var.tenant_id))
    error_message = "tenant_id must be a tenant GUID (or null)."
  }
}

variable "name_prefix" {
  description = "Short prefix for every resource name, e.g. \"mailer-prod\". Lowercase letters, digits and hyphens; starts with a letter; 3 to 14 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,12}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-14 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }

  validation {
    condition     = !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must not contain two hyphens in a row (Key Vault names forbid it)."
  }
}

variable "location" {
  description = "Azure region. It must offer the Flex Consumption plan and accept a maximum instance count below 40 (check with `az functionapp list-flexconsumption-locations`)."
  type        = string
  default     = "westeurope"
}

variable "tags" {
  description = "Tags added to every Azure resource."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------
# Mailboxes and how the app is allowed to use them
# ---------------------------------------------------------------------------

variable "allowed_senders" {
  description = "Mailboxes (primary SMTP addresses) this deployment may send as. Becomes GRAPH_MAILER_ALLOWED_SENDERS and the Exchange scope."
  type        = list(string)

  validation {
    condition     = length(var.allowed_senders) > 0
    error_message = "allowed_senders needs at least one mailbox."
  }

  validation {
    condition     = alltrue([for s in var.allowed_senders : can(regex("^[^@\\s,]+@[^@\\s,]+\\.[^@\\s,]+$", s))])
    error_message = "Every allowed sender must be an SMTP address (user@domain), without commas."
  }
}

variable "mailbox_scoping_mode" {
  description = "How the app is limited to the allowed mailboxes. \"exchange_rbac\" (recommended): no tenant-wide Graph permission; Exchange RBAC for Applications grants \"Application Mail.Send\" on a management scope (infra/exchange script). \"access_policy\" (legacy): tenant-wide Graph Mail.Send narrowed by an Exchange Application Access Policy on a mail-enabled security group."
  type        = string
  default     = "exchange_rbac"

  validation {
    condition     = contains(["exchange_rbac", "access_policy"], var.mailbox_scoping_mode)
    error_message = "mailbox_scoping_mode must be \"exchange_rbac\" or \"access_policy\"."
  }
}

variable "exchange_scope_group" {
  description = "Mail-enabled security group (its SMTP address) whose members the app may send as. Required for access_policy mode; optional for exchange_rbac mode, where null scopes the app to the allowed_senders by address."
  type        = string
  default     = null

  validation {
    condition     = var.mailbox_scoping_mode != "access_policy" || var.exchange_scope_group != null
    error_message = "access_policy mode needs exchange_scope_group: Application Access Policies only target a mail-enabled security group."
  }
}

variable "smtp_mailboxes" {
  description = "Subset of allowed_senders that send through the SMTP AUTH (XOAUTH2) transport. Non-empty adds the Exchange Online SMTP.SendAsApp application permission; the Exchange script enables SMTP AUTH on these mailboxes only."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.smtp_mailboxes : contains([for s in var.allowed_senders : lower(s)], lower(m))])
    error_message = "Every smtp_mailboxes entry must also be in allowed_senders."
  }
}

variable "enable_large_attachments" {
  description = "Grant Mail.ReadWrite as well as Mail.Send, for attachments of 3 MB and more (draft + upload session). Scoped the same way as Mail.Send."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------
# Callers
# ---------------------------------------------------------------------------

variable "caller_auth_mode" {
  description = "GRAPH_MAILER_CALLER_AUTH_MODE: \"entra\" validates callers' bearer tokens (audience = the API app registration, app role GraphMailer.Send); \"host-key\" relies on the Functions host's function keys. \"none\" is for local development only and cannot be deployed."
  type        = string
  default     = "entra"

  validation {
    condition     = contains(["entra", "host-key"], var.caller_auth_mode)
    error_message = "caller_auth_mode must be \"entra\" or \"host-key\"."
  }
}

variable "caller_principal_object_ids" {
  description = "Object ids of the service principals (or managed identities) allowed to call the API; each is assigned the GraphMailer.Send app role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.caller_principal_object_ids : can(regex("^[0-9a-fA-F-]{36}$", id))])
    error_message = "caller_principal_object_ids must be object id GUIDs."
  }
}

# ---------------------------------------------------------------------------
# Function app and its scale limits
# ---------------------------------------------------------------------------

variable "queue_max_in_flight_per_mailbox" {
  description = "GRAPH_MAILER_QUEUE_MAX_IN_FLIGHT_PER_MAILBOX: sends one instance keeps in flight per mailbox, beneath the mailbox budget that holds across instances. No longer sets the instance count."
  type        = number
  default     = 4

  validation {
    condition     = var.queue_max_in_flight_per_mailbox >= 1 && var.queue_max_in_flight_per_mailbox <= 4 && floor(var.queue_max_in_flight_per_mailbox) == var.queue_max_in_flight_per_mailbox
    error_message = "queue_max_in_flight_per_mailbox must be a whole number from 1 to 4: Graph allows about 4 concurrent requests per app and mailbox in total."
  }
}

variable "maximum_instance_count" {
  description = "Instances per Flex Consumption scale group. The mailbox budget keeps every mailbox within its limits whatever the count, so this only bounds load and cost."
  type        = number
  default     = 40

  validation {
    condition     = var.maximum_instance_count >= 1 && var.maximum_instance_count <= 1000 && floor(var.maximum_instance_count) == var.maximum_instance_count
    error_message = "maximum_instance_count must be a whole number from 1 to 1000."
  }
}

variable "budget_overrides" {
  description = "GRAPH_MAILER_BUDGET_OVERRIDES: per-mailbox limits as mailbox/limit=value (limit: concurrent-sends, messages-per-minute, recipients-per-day, graph-requests-per-ten-minutes), e.g. a mailbox whose RecipientLimitPerDay was lowered. Empty: the defaults for every mailbox."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.budget_overrides : can(regex("^[^/=,]+/(concurrent-sends|messages-per-minute|recipients-per-day|graph-requests-per-ten-minutes)=[0-9]+$", o))])
    error_message = "Each budget_overrides entry must be mailbox/limit=value, limit one of concurrent-sends, messages-per-minute, recipients-per-day, graph-requests-per-ten-minutes."
  }
}

variable "budget_unavailable_http" {
  description = "GRAPH_MAILER_BUDGET_UNAVAILABLE_HTTP: what an HTTP send does when the budget table cannot be reached: refuse (503 with Retry-After) or local (this instance's own budget only, logged)."
  type        = string
  default     = "refuse"

  validation {
    condition     = contains(["refuse", "local"], var.budget_unavailable_http)
    error_message = "budget_unavailable_http must be refuse or local."
  }
}

# 2048, not 512: measured (README "Performance"), the JVM package holds about
# 196 MB RSS after 100 sends and 264 MB at the end of the queue load run. But
# the launcher caps the heap at 70% of the instance (-XX:MaxRAMPercentage=70,
# SerialGC), which on 512 MB lets the heap alone grow to about 358 MB; with
# metaspace, code cache and thread stacks on top the JVM can reach the whole
# 512 MB, and the Functions host process shares the same instance memory. So
# 512 MB does not fit safely with this launcher; see infra/terraform/README.md.
variable "instance_memory_in_mb" {
  description = "Flex Consumption instance size in MB (2048 by default: the JVM package does not fit 512 MB safely, see README)."
  type        = number
  default     = 2048

  validation {
    condition     = contains([512, 2048, 4096], var.instance_memory_in_mb)
    error_message = "instance_memory_in_mb must be 512, 2048 or 4096."
  }
}

variable "custom_runtime_version" {
  description = "runtime_version for the \"custom\" (custom handler) runtime. Check the region's list with `az functionapp list-flexconsumption-runtimes --location <region> --runtime custom`."
  type        = string
  default     = "1.0"
}

variable "extra_app_settings" {
  description = "Additional app settings (for settings the app adds later). Settings this configuration manages win over keys given here."
  type        = map(string)
  default     = {}

  # Host storage is identity-based only (locals.tf): no AzureWebJobsStorage
  # connection string, empty or not, and no storage account key anywhere.
  validation {
    condition     = !contains([for k in keys(var.extra_app_settings) : lower(k)], "azurewebjobsstorage")
    error_message = "extra_app_settings must not set AzureWebJobsStorage: host storage uses the identity-based AzureWebJobsStorage__* settings, and any AzureWebJobsStorage value (an empty one too) is read as a connection string."
  }

  validation {
    condition     = alltrue([for v in values(var.extra_app_settings) : !strcontains(lower(v), "accountkey=")])
    error_message = "extra_app_settings must not contain a storage connection string with an AccountKey: shared keys are disabled on the account; use the app's managed identity."
  }
}

# Flex Consumption "always ready" instances: kept running per function group,
# so that group has no cold start (and is billed while idle). Group names:
# "http" (all HTTP functions: SendMail, SendMailV1, SendMailBeta), and
# "function:<name>" for each other function ("function:OutboxQueue",
# "function:NotificationJobs"). Default none: every group scales from zero.
variable "always_ready" {
  description = "Always-ready instances per Flex Consumption function group, e.g. { http = 1 } or { \"function:OutboxQueue\" = 1 }. Default {} (none: every group scales from zero). Each count must be a whole number from 1 to the app's maximum instance count."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.always_ready) : can(regex("^(http|blob|durable|function:[A-Za-z][A-Za-z0-9_-]*)$", name))])
    error_message = "always_ready keys must be Flex Consumption function groups: \"http\", \"blob\", \"durable\" or \"function:<FunctionName>\" (e.g. \"function:OutboxQueue\")."
  }

  validation {
    condition     = alltrue([for n in values(var.always_ready) : n >= 1 && floor(n) == n])
    error_message = "always_ready instance counts must be whole numbers of at least 1 (leave a group out for none)."
  }
}

# ---------------------------------------------------------------------------
# Certificate the app authenticates to Entra ID with
# ---------------------------------------------------------------------------

variable "certificate_source" {
  description = "\"self_signed\": Key Vault creates and auto-renews a self-signed certificate. \"imported\": a certificate you imported into the vault yourself under certificate_name (see README); Terraform only reads its public part."
  type        = string
  default     = "self_signed"

  validation {
    condition     = contains(["self_signed", "imported"], var.certificate_source)
    error_message = "certificate_source must be \"self_signed\" or \"imported\"."
  }
}

variable "certificate_name" {
  description = "Name of the certificate in Key Vault (GRAPH_MAILER_CERTIFICATE_NAME)."
  type        = string
  default     = "graph-mailer-sender"

  validation {
    condition     = can(regex("^[0-9a-zA-Z-]{1,127}$", var.certificate_name))
    error_message = "certificate_name may contain only letters, digits and hyphens (Key Vault object name rules)."
  }
}

variable "certificate_validity_in_months" {
  description = "Validity of the self-signed certificate."
  type        = number
  default     = 12

  validation {
    condition     = var.certificate_validity_in_months >= 1 && var.certificate_validity_in_months <= 24
    error_message = "certificate_validity_in_months must be between 1 and 24."
  }
}

variable "certificate_renew_days_before_expiry" {
  description = "Key Vault renews the self-signed certificate this many days before it expires. Run `terraform apply` after a renewal so the app registration trusts the new certificate (see README)."
  type        = number
  default     = 30

  validation {
    condition     = var.certificate_renew_days_before_expiry >= 7 && var.certificate_renew_days_before_expiry <= 90
    error_message = "certificate_renew_days_before_expiry must be between 7 and 90."
  }
}

variable "key_vault_purge_protection_enabled" {
  description = "Purge protection on the vault. Recommended; note that a purge-protected vault name stays taken for the retention period after a destroy."
  type        = bool
  default     = true
}

variable "key_vault_soft_delete_retention_days" {
  description = "Soft-delete retention of the vault."
  type        = number
  default     = 90

  validation {
    condition     = var.key_vault_soft_delete_retention_days >= 7 && var.key_vault_soft_delete_retention_days <= 90
    error_message = "key_vault_soft_delete_retention_days must be between 7 and 90."
  }
}

# ---------------------------------------------------------------------------
# Storage and monitoring
# ---------------------------------------------------------------------------

variable "storage_replication_type" {
  description = "Replication of the storage account that holds the outbox queues, the ledger table and the deployment package."
  type        = string
  default     = "ZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "GZRS", "RAGRS", "RAGZRS"], var.storage_replication_type)
    error_message = "storage_replication_type must be one of LRS, ZRS, GRS, GZRS, RAGRS, RAGZRS."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the Log Analytics workspace behind Application Insights."
  type        = number
  default     = 30

  validation {
    condition     = var.log_retention_in_days >= 30 && var.log_retention_in_days <= 730
    error_message = "log_retention_in_days must be between 30 and 730."
  }
}
