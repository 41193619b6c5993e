# Unapplied change: the state was applied with replicas = 3; the code now says 3.
terraform {
  required_version = ">= 1.4"
}

resource "terraform_data" "service" {
  input = {
    image    = "demo/app:1.4.2"
    replicas = 3
  }
}
