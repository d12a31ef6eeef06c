import { App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { SluiceStack } from './sluice-stack'
import { readStackConfig } from './stack-config'

// The CDK app of `npx cdk synth|deploy`: settings come from cdk.json's context (or -c key=value).
const app = new App()
const config = readStackConfig(app.node)
new SluiceStack(app, config.stackName, { config })
Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
