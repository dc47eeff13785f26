{{/* The release's name, the prefix of every object. */}}
{{- define "ringfence.fullname" -}}
{{ .Release.Name | trunc 50 | trimSuffix "-" }}
{{- end }}

{{- define "ringfence.labels" -}}
app.kubernetes.io/name: ringfence
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: ringfence-{{ .Chart.Version }}
{{- end }}

{{- define "ringfence.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
The secrets directory. The kubelet writes a Secret volume's files as root, or, with fsGroup, group-readable
(0440): the key loader refuses both (another user's file; readable by group). So the Secret is mounted in an
init container only, which copies it into a memory-backed emptyDir as the pod's user: the directory 0700,
each file 0600, owned by uid 1000, as keys:init makes them. The app mounts that emptyDir read-only.
*/}}
{{- define "ringfence.secretsInit" -}}
- name: secrets-dir
  image: {{ include "ringfence.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command:
    - sh
    - -ec
    - install -d -m 0700 /run/secrets/ringfence && for file in /keys/*; do install -m 0600 "$file" /run/secrets/ringfence/; done
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  resources:
    requests: { cpu: 10m, memory: 16Mi }
    limits: { memory: 64Mi }
  volumeMounts:
    - name: keys
      mountPath: /keys
      readOnly: true
    - name: secrets
      mountPath: /run/secrets
{{- end }}

{{- define "ringfence.volumes" -}}
- name: keys
  secret:
    secretName: {{ .Values.keysSecret }}
    defaultMode: 0440
- name: secrets
  emptyDir:
    medium: Memory
    sizeLimit: 1Mi
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
- name: audit-checkpoints
  {{- if .Values.auditCheckpoints.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.auditCheckpoints.existingClaim }}
  {{- else }}
  emptyDir:
    sizeLimit: 256Mi
  {{- end }}
{{- end }}

{{- define "ringfence.volumeMounts" -}}
- name: secrets
  mountPath: /run/secrets
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: audit-checkpoints
  mountPath: /var/lib/ringfence/audit-checkpoints
{{- end }}

{{/* What every API and worker container is given: the ConfigMap, the chart's own settings, the URLs. */}}
{{- define "ringfence.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "ringfence.fullname" . }}-config
env:
  - name: NODE_ENV
    value: production
  - name: RINGFENCE_SECRETS_DIR
    value: /run/secrets/ringfence
  - name: AUDIT_CHECKPOINT_DIR
    value: /var/lib/ringfence/audit-checkpoints
  - name: MIGRATE_ON_BOOT
    value: 'false'
  - name: HOST
    value: 0.0.0.0
  - name: PORT
    value: '3000'
  - name: DATABASE_URL
    valueFrom: { secretKeyRef: { name: {{ .Values.envSecret }}, key: DATABASE_URL } }
  - name: REDIS_URL
    valueFrom: { secretKeyRef: { name: {{ .Values.envSecret }}, key: REDIS_URL } }
  - name: SMTP_URL
    valueFrom: { secretKeyRef: { name: {{ .Values.envSecret }}, key: SMTP_URL } }
{{- end }}

{{- define "ringfence.probes" -}}
startupProbe:
  httpGet: { path: /health/live, port: http }
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: { path: /health/live, port: http }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /health/ready, port: http }
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end }}
