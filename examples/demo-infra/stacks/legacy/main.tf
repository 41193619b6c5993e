# Pinned: .terraform-version asks for the exact terraform version this stack is planned with.
terraform {
  required_version = ">= 1.4"
}

resource "terraform_data" "queue" {
  input = "orders"
}
