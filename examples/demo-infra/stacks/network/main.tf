# In sync: the committed state matches this configuration.
terraform {
  required_version = ">= 1.4"
}

resource "terraform_data" "vpc" {
  input = {
    cidr = "10.0.0.0/16"
    name = "demo-vpc"
  }
}

output "vpc_name" {
  value = terraform_data.vpc.output.name
}
