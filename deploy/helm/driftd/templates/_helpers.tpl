{{/* Chart name, overridable. */}}
{{- define "driftd.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped full name, at most 63 characters (a DNS label). */}}
{{- define "driftd.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "driftd.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "driftd.labels" -}}
helm.sh/chart: {{ include "driftd.chart" . }}
{{ include "driftd.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "driftd.selectorLabels" -}}
app.kubernetes.io/name: {{ include "driftd.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "driftd.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "driftd.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "driftd.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* host:port of Redis: the bundled Service, else redis.externalAddr (required then). */}}
{{- define "driftd.redisAddr" -}}
{{- if .Values.redis.enabled }}
{{- printf "%s-redis:6379" (include "driftd.fullname" .) }}
{{- else }}
{{- required "redis.externalAddr is required when redis.enabled is false" .Values.redis.externalAddr }}
{{- end }}
{{- end }}

{{/*
Environment of every driftd container. Redis, paths and the listen address come from here rather than
the ConfigMap (the DRIFTD_* overlay, docs/configuration.md), so the password is only ever a Secret
reference; so are the variables in secretEnv, which `${ENV}` references in config resolve to.
*/}}
{{- define "driftd.env" -}}
- name: DRIFTD_REDIS_ADDR
  value: {{ include "driftd.redisAddr" . | quote }}
{{- if .Values.redis.auth.existingSecret }}
- name: DRIFTD_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.auth.existingSecret }}
      key: {{ .Values.redis.auth.existingSecretKey }}
{{- end }}
- name: DRIFTD_REDIS_DB
  value: {{ .Values.redis.db | quote }}
- name: DRIFTD_REDIS_PREFIX
  value: {{ .Values.redis.prefix | quote }}
- name: DRIFTD_DATA_DIR
  value: /data
- name: DRIFTD_CACHE_DIR
  value: /cache
- name: DRIFTD_LISTEN_ADDR
  value: {{ printf ":%v" .Values.serve.port | quote }}
{{- range .Values.secretEnv }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .key }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Volumes every driftd pod has: config, cache, and the writable scratch dirs of a read-only root. */}}
{{- define "driftd.commonVolumes" -}}
- name: config
  configMap:
    name: {{ include "driftd.fullname" . }}
- name: cache
{{- if eq .Values.cache.type "pvc" }}
  persistentVolumeClaim:
    claimName: {{ include "driftd.fullname" . }}-cache
{{- else if eq .Values.cache.type "existingClaim" }}
  persistentVolumeClaim:
    claimName: {{ required "cache.existingClaim is required when cache.type is existingClaim" .Values.cache.existingClaim }}
{{- else }}
  emptyDir:
    {{- with .Values.cache.sizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
{{- end }}
- name: tmp
  emptyDir: {}
- name: home
  emptyDir: {}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "driftd.commonMounts" -}}
- name: config
  mountPath: /etc/driftd/config.yaml
  subPath: config.yaml
  readOnly: true
- name: cache
  mountPath: /cache
- name: tmp
  mountPath: /tmp
- name: home
  mountPath: /home/driftd
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}
