{{/* Ingress of a component: (list $ "component" componentValues). */}}
{{- define "prefect-server.ingress" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $v := index . 2 -}}
{{- $ingress := $v.ingress -}}
{{- $service := include "prefect-server.componentName" (list $root $component) -}}
{{- $hosts := $ingress.hosts | default (list "") -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $service }}
  namespace: {{ $root.Release.Namespace | quote }}
  labels:
    {{- include "prefect-server.labels" (list $root $component (merge (dict) ($ingress.labels | default dict) ($v.labels | default dict))) | nindent 4 }}
  {{- with include "prefect-server.annotations" (list $root $ingress.annotations) }}{{ . | nindent 2 }}{{ end }}
spec:
  {{- with $ingress.ingressClassName }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- with $ingress.tls }}
  tls:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  rules:
    {{- range $hosts }}
    - http:
        paths:
          - path: {{ $ingress.path | default "/" }}
            pathType: {{ $ingress.pathType | default "Prefix" }}
            backend:
              service:
                name: {{ $service }}
                port:
                  number: {{ $v.service.port }}
      {{- if . }}
      host: {{ . | quote }}
      {{- end }}
    {{- end }}
{{- end -}}
